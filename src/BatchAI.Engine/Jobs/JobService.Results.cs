using System.Globalization;
using BatchAI.Hosting;
using BatchAI.IO;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>Downloading results into the ledger, and joining them to their records.</summary>
public sealed partial class JobService
{
    /// <summary>
    /// Every record of the job as the ledger last recorded it (no provider calls): its state, the batch it is in, its
    /// attempts and its error; only those in <paramref name="states"/> when given. Streamed, part by part.
    /// </summary>
    public IEnumerable<JobRecord> Records(string idOrName, IReadOnlyCollection<RecordState>? states = null)
    {
        var ledger = Resolve(idOrName);
        var manifest = ledger.Load();
        foreach (var record in JobRecords.Read(ledger, manifest))
        {
            if (states is null || states.Count == 0 || states.Contains(record.State))
            {
                yield return new JobRecord(record);
            }
        }
    }

    /// <summary>
    /// Downloads the results of the job's batches (once; a later receive reuses them) and hands back one result per
    /// request, in input order, joined to its source record. The job must be finished. When nothing was downloaded
    /// before and every record was sent once, records are joined while later batches still download (see
    /// <see cref="PartGate"/>): the two run side by side, and a record waits only for its own batch.
    /// </summary>
    public Task<ReceiveSummary> ReceiveAsync(string idOrName, Action<BatchResult> onResult, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken) =>
        ReceiveAsync(idOrName, onResult ?? throw new ArgumentNullException(nameof(onResult)), rows: null, apiKey, reporter, cancellationToken);

    /// <summary>
    /// As <see cref="ReceiveAsync(string, Action{BatchResult}, string?, IEngineReporter, CancellationToken)"/>, into a
    /// results file: the row of each request that succeeded is written from the bytes the ledger holds for it (see
    /// <see cref="SucceededRow"/>), every other row from its joined result. The file is not completed here.
    /// </summary>
    public Task<ReceiveSummary> ReceiveAsync(string idOrName, ResultFileWriter writer, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken) =>
        ReceiveAsync(idOrName, (writer ?? throw new ArgumentNullException(nameof(writer))).Write, writer, apiKey, reporter, cancellationToken);

    private async Task<ReceiveSummary> ReceiveAsync(string idOrName, Action<BatchResult> onResult, ResultFileWriter? rows, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "receive");
        var manifest = ledger.Load();
        RequireSubmitted(manifest);
        var activity = "Receiving results of job " + Label(manifest);
        var provider = CreateProvider(manifest.Connection(apiKey), reporter);
        using var stopDownload = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? download = null;
        try
        {
            await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
            RequireFinished(manifest);
            ResultIndex index;
            PartGate? gate = null;
            if (JoinsWhileDownloading(ledger, manifest))
            {
                index = ResultFile.Index(ledger.ResultsPath, manifest.RequestCount);
                gate = new PartGate();
                download = DownloadBesideAsync(ledger, manifest, provider, new WithoutProgress(reporter), activity, index, gate, stopDownload.Token);
            }
            else
            {
                index = await DownloadAsync(ledger, manifest, provider, reporter, activity, cancellationToken).ConfigureAwait(false) ?? ResultFile.Index(ledger.ResultsPath, manifest.RequestCount);
            }

            var counts = new long[4];
            var parts = manifest.Parts.ToDictionary(p => p.Index);
            using var errors = new ErrorLog(ledger, manifest, Clock.UtcNow);
            var records = new RequestFile.RecordReader(ledger.RequestsPath);
            long joined = 0;
            long heldBack = 0;
            try
            {
                foreach (var (request, stored) in Prefetch.Ahead((handOver, stop) => StoredResults(ledger, index, gate, handOver, stop), cancellationToken))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    parts.TryGetValue(request.Part, out var part);
                    if (part is { Held: true })
                    {
                        heldBack++; // after a pilot, only its records have results to review
                        continue;
                    }

                    if (stored is not null && rows is not null && rows.TryWriteSucceeded(request.Bytes, stored))
                    {
                        counts[(int)ResultStatus.Succeeded]++; // nothing for the error log
                    }
                    else
                    {
                        var line = stored is null ? null : ResultFile.Parse(stored, owned: true); // a copy of its own
                        var result = ResultJoiner.Join(records.Read(request), line, part);
                        counts[(int)result.Status]++;
                        errors.Add(result);
                        onResult(result);
                    }

                    if (++joined % 10_000 == 0)
                    {
                        reporter.Progress(new ProgressReport(activity, string.Format(CultureInfo.InvariantCulture, "{0:N0} of {1:N0} results joined", joined, manifest.RequestCount), (int)(joined * 100 / Math.Max(1, manifest.RequestCount))));
                    }
                }
            }
            catch (DownloadStoppedException)
            {
                await download!.ConfigureAwait(false); // throws the download's own failure, which stopped the join
                throw;
            }

            if (download is not null)
            {
                await download.ConfigureAwait(false); // done by now but for counting the records and deleting files
            }

            errors.Complete();
            if (heldBack > 0)
            {
                reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Job {0} is a pilot: {1:N0} of its records are held back and not in these results. When the pilot looks right, release them: batchai release {2}, or Resume-AIBatch -Release.", Label(manifest), heldBack, manifest.Id));
            }

            if (errors.Count > 0)
            {
                reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) did not succeed; each is described in {2}.", manifest.Id, errors.Count, errors.Path));
            }

            manifest.ReceivedAt = Clock.UtcNow;
            ledger.Save(manifest);
            return new ReceiveSummary(new BatchJob(manifest, ledger.Folder), counts[(int)ResultStatus.Succeeded], counts[(int)ResultStatus.Failed], counts[(int)ResultStatus.Expired], counts[(int)ResultStatus.Canceled])
            {
                ErrorLogPath = errors.Count > 0 ? errors.Path : null,
            };
        }
        finally
        {
            if (download is { IsCompleted: false })
            {
                // The join stopped early: stop the download, and let it let go of the ledger before the lock is released.
                stopDownload.Cancel();
                try
                {
                    await download.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Whatever stopped the download now, the join's own failure (or the caller's cancellation) is the one to see.
                }
            }

            provider.Dispose();
            reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
        }
    }

    /// <summary>
    /// Whether the join can run beside the download: nothing of the job is in the ledger's results yet, and each record
    /// was sent once, in the part its request line names, so a record's result is in once that part is downloaded.
    /// </summary>
    private static bool JoinsWhileDownloading(JobLedger ledger, JobManifest manifest) =>
        manifest.Parts.All(p => p.Attempt == 1 && !p.Held && !p.ResultsDownloaded) &&
        !(File.Exists(ledger.ResultsPath) && new FileInfo(ledger.ResultsPath).Length > 0);

    /// <summary>The download, on the thread pool, opening each part at the gate as it is in; the gate is closed at its end.</summary>
    private static Task DownloadBesideAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, string activity, ResultIndex index, PartGate gate, CancellationToken cancellationToken) =>
        Task.Run(
            async () =>
            {
                var finished = false;
                try
                {
                    await DownloadAsync(ledger, manifest, provider, reporter, activity, cancellationToken, index, gate.Open).ConfigureAwait(false);
                    finished = true;
                }
                finally
                {
                    gate.Close(failed: !finished);
                }
            },
            CancellationToken.None);

    /// <summary>
    /// Each stored request line in input order, with the bytes of its latest result line (null when it has none): both
    /// copies, because they are read on the prefetching thread and the readers' buffers are reused for the next line.
    /// With a gate, each record waits until its part is downloaded, after handing over the records before it.
    /// </summary>
    private static IEnumerable<(StoredLine Request, byte[]? Result)> StoredResults(JobLedger ledger, ResultIndex index, PartGate? gate, Action handOver, CancellationToken cancellationToken)
    {
        RandomAccessLines? results = null;
        try
        {
            foreach (var record in RequestFile.ReadLines(ledger.RequestsPath))
            {
                if (gate is not null && !gate.IsOpen(record.Part))
                {
                    handOver();
                    gate.WaitFor(record.Part, cancellationToken);
                }

                if (!index.TryGetOffset(record.CustomId, out var offset))
                {
                    yield return (record, null);
                    continue;
                }

                results ??= new RandomAccessLines(ledger.ResultsPath); // there once an offset is known
                yield return (record, results.ReadBytesAt(offset).ToArray());
            }
        }
        finally
        {
            results?.Dispose();
        }
    }

    /// <summary>
    /// Deletes at the provider the files of every batch whose results are safe in the ledger (unless the job keeps
    /// them). A failure here loses nothing: it is reported, and tried again on the next download.
    /// </summary>
    private static async Task DeleteProviderFilesAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (manifest.KeepProviderFiles)
        {
            return;
        }

        foreach (var part in manifest.Parts.Where(p => p.ResultsDownloaded && !p.ProviderFilesDeleted))
        {
            try
            {
                var deleted = part.BatchId is null ? 0 : await provider.DeleteFilesAsync(part.ToRemote(), part.FileId, cancellationToken).ConfigureAwait(false);
                part.ProviderFilesDeleted = true;
                ledger.Save(manifest);
                if (deleted > 0)
                {
                    reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: deleted {1} file(s) of batch {2} at the provider.", manifest.Id, deleted, part.BatchId));
                }
            }
            catch (BatchAIException error) when (error.Kind != ErrorKind.Authentication)
            {
                reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Job {0}: the files of batch {1} could not be deleted at the provider ({2}); the results are safe, and the next receive or resume tries again.", manifest.Id, part.BatchId, error.Message));
            }
        }
    }

    /// <summary>Downloads what has ended, with its own progress activity, always completed.</summary>
    private static async Task DownloadFinishedAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        var activity = "Receiving results of job " + Label(manifest);
        try
        {
            await DownloadAsync(ledger, manifest, provider, reporter, activity, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
        }
    }

    /// <summary>
    /// Appends the results of every finished part not yet downloaded to the ledger: one line per record of the part,
    /// a synthesized one (expired, canceled, missing) for each record the provider returned nothing for. Then counts
    /// the records by state. Returns the index of the results file it kept: the one given, else one made when anything
    /// was downloaded (null when nothing was and none was given).
    /// </summary>
    /// <param name="index">The index to keep (else made from the file when there is anything to download).</param>
    /// <param name="downloaded">Told each part's index once its results are committed to the ledger and in the index.</param>
    private static async Task<ResultIndex?> DownloadAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, string activity, CancellationToken cancellationToken, ResultIndex? index = null, Action<int>? downloaded = null)
    {
        AnswerCheck? check = null; // made at the first answer with a schema: making it loads the schema library
        var counted = new Dictionary<int, RecordCounts>(); // each part's records by state, as its download wrote them
        foreach (var part in manifest.Parts.Where(p => !p.ResultsDownloaded && p.State.IsFinal()))
        {
            // What is in the file (what earlier downloads left, usually nothing), kept up to date as lines are appended.
            index ??= ResultFile.Index(ledger.ResultsPath, manifest.RequestCount);
            var roster = PartRoster.Read(ledger, part);
            using (var previous = part.Attempt > 1 && roster.HasSchemas ? new RandomAccessLines(ledger.ResultsPath) : null)
            using (var appender = new ResultAppender(ledger.ResultsPath))
            {
                void Append(ResultLine line, int ordinal)
                {
                    index.Note(line.CustomId, appender.Append(line), line.Status, line.Retryable);
                    if (ordinal >= 0)
                    {
                        roster.Written(ordinal, line.Status, line.Retryable);
                    }
                }

                if (part.BatchId is not null && part.State != BatchState.Failed)
                {
                    reporter.Progress(new ProgressReport(activity, string.Format(CultureInfo.InvariantCulture, "downloading the results of batch {0} of {1}", part.Index, manifest.Parts.Count), -1));
                    long lines = 0;
                    await foreach (var line in provider.ReadResultsAsync(part.ToRemote(), cancellationToken).ConfigureAwait(false))
                    {
                        var ordinal = roster.Answer(line.CustomId, out var schemaId);

                        // To tell a record's second failed answer check from its first: its line from an earlier attempt.
                        bool FailedBefore() => previous is not null && index.TryGetOffset(line.CustomId, out var offset) && AnswerCheck.IsAnswerCheckFailure(ResultFile.Parse(previous.ReadBytesAt(offset)));
                        Append(schemaId is null ? line : (check ??= new AnswerCheck(ledger)).Check(line, schemaId, line.Status == ResultStatus.Succeeded && FailedBefore()), ordinal);
                        lines++;
                    }

                    reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} result(s) of batch {2} downloaded.", manifest.Id, lines, part.BatchId));
                }

                foreach (var (id, ordinal) in roster.Unanswered(ledger, part))
                {
                    Append(ResultJoiner.Missing(id, part), ordinal);
                }

                appender.Commit();
            }

            part.ResultsDownloaded = true;
            counted[part.Index] = roster.Counts(part, manifest.MaxAttempts);
            ledger.Save(manifest);
            downloaded?.Invoke(part.Index);
        }

        await DeleteProviderFilesAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        if (index is not null || manifest.Records is null)
        {
            manifest.Records = JobRecords.Count(ledger, manifest, index, counted);
            ledger.Save(manifest);
        }

        return index;
    }
}
