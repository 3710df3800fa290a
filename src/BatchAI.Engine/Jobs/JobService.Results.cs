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
            ResultIndex? index;
            PartGate? gate = null;
            if (JoinsWhileDownloading(ledger, manifest))
            {
                index = null; // the join finds each result by its part and its line in the part (see PartGate)
                gate = new PartGate();
                var keep = rows is { WritesSucceededFromBytes: true } ? new AnswerBudget(_options.KeptAnswerBytes) : null; // of use only there
                download = DownloadBesideAsync(ledger, manifest, provider, new WithoutProgress(reporter), activity, gate, keep, stopDownload.Token);
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
            long fromKept = 0;
            RandomAccessLines? rereads = null; // the line of a kept answer whose request is not in the usual shape
            try
            {
                // Into a results file, the join reads and writes on this thread, each line a view of its reader's
                // buffer. Into objects, reading goes ahead on a thread of its own (see Prefetch), each line a copy.
                var joining = rows is not null
                    ? StoredResults(ledger, manifest, index, gate, copies: false, () => { }, cancellationToken)
                    : Prefetch.Ahead((handOver, stop) => StoredResults(ledger, manifest, index, gate, copies: true, handOver, stop), cancellationToken);
                foreach (var found in joining)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var request = found.Request;
                    parts.TryGetValue(request.Part, out var part);
                    if (part is { Held: true })
                    {
                        heldBack++; // after a pilot, only its records have results to review
                        continue;
                    }

                    if (found.Answers is { } kept && kept.TryGet(found.Ordinal, out var answer) && rows!.TryWriteSucceeded(request.Bytes.Span, answer))
                    {
                        counts[(int)ResultStatus.Succeeded]++; // nothing for the error log
                        fromKept++;
                    }
                    else
                    {
                        // A kept answer whose request is not in the usual shape: the general way, from its line after all (the
                        // same line, its id checked); trying the line's bytes would only find the request's shape again.
                        var stored = found.Answers is null ? found.Line : (rereads ??= new RandomAccessLines(ledger.ResultsPath)).ReadBytesAt(found.LineStart);
                        if (found.Answers is null && stored is { } bytes && rows is not null && rows.TryWriteSucceeded(request.Bytes.Span, bytes.Span))
                        {
                            counts[(int)ResultStatus.Succeeded]++;
                        }
                        else
                        {
                            var line = stored is null ? null : ResultFile.Parse(stored.Value, owned: rows is null); // a copy of its own when read ahead
                            var result = ResultJoiner.Join(records.Read(request), line, part);
                            counts[(int)result.Status]++;
                            errors.Add(result);
                            onResult(result);
                        }
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
            finally
            {
                rereads?.Dispose();
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
                FromKeptAnswers = fromKept,
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
    /// was sent once, in the part its request line names, so a record's result is in once that part is downloaded,
    /// at the record's place in the part.
    /// </summary>
    private static bool JoinsWhileDownloading(JobLedger ledger, JobManifest manifest) =>
        manifest.Parts.All(p => p.Attempt == 1 && !p.Held && !p.ResultsDownloaded) &&
        !(File.Exists(ledger.ResultsPath) && new FileInfo(ledger.ResultsPath).Length > 0);

    /// <summary>The download, on the thread pool, opening each part at the gate as it is in; the gate is closed at its end.</summary>
    private static Task DownloadBesideAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, string activity, PartGate gate, AnswerBudget? keep, CancellationToken cancellationToken) =>
        Task.Run(
            async () =>
            {
                var finished = false;
                try
                {
                    await DownloadAsync(ledger, manifest, provider, reporter, activity, cancellationToken, gate.Open, keep).ConfigureAwait(false);
                    finished = true;
                }
                finally
                {
                    gate.Close(failed: !finished);
                }
            },
            CancellationToken.None);

    /// <summary>
    /// Each stored request line in input order, with the bytes of its latest result line (null when it has none):
    /// with <paramref name="copies"/>, copies of their own (for reading ahead on another thread), else views of the
    /// readers' buffers, good until the next line is asked for. Without a gate, each result is found by its custom id
    /// in <paramref name="index"/>. With one, each record waits until its part is downloaded (after handing over the
    /// records before it), and its result is found by its place in the part: a part lists its records in the order of
    /// the requests file, and each record is in one part. When the download kept the record's answer (see
    /// <see cref="KeptAnswers"/>), that comes instead of the line, which is not read.
    /// </summary>
    private static IEnumerable<StoredResult> StoredResults(JobLedger ledger, JobManifest manifest, ResultIndex? index, PartGate? gate, bool copies, Action handOver, CancellationToken cancellationToken)
    {
        using var walk = gate is null ? null : new PartWalk(gate, handOver, cancellationToken);
        RandomAccessLines? results = null;
        try
        {
            foreach (var record in RequestFile.ReadLines(ledger.RequestsPath, copies))
            {
                long start;
                if (walk is null)
                {
                    start = index!.TryGetOffset(record.CustomId, out var offset) ? offset : -1;
                }
                else
                {
                    var ordinal = walk.Next(record.Part, out start, out var answers);
                    if (answers is not null && IsKept(answers, ordinal, record, manifest))
                    {
                        yield return new StoredResult(record, null, answers, ordinal, start);
                        continue;
                    }
                }

                if (start < 0)
                {
                    yield return new StoredResult(record, null);
                    continue;
                }

                results ??= new RandomAccessLines(ledger.ResultsPath); // there once a line is known
                var line = results.ReadBytesAt(start);
                if (gate is not null && !ResultFile.IsLineOf(line, record.CustomId))
                {
                    throw IdListMismatch(manifest, record);
                }

                yield return new StoredResult(record, copies ? line.ToArray() : line);
            }
        }
        finally
        {
            results?.Dispose();
        }
    }

    /// <summary>Whether the download kept the answer at <paramref name="ordinal"/>, checked to be the record's.</summary>
    private static bool IsKept(KeptAnswers answers, int ordinal, StoredLine record, JobManifest manifest)
    {
        if (!answers.TryGet(ordinal, out var answer))
        {
            return false;
        }

        return answer.IsFor(record.CustomId) ? true : throw IdListMismatch(manifest, record);
    }

    /// <summary>
    /// A part's id list that does not match the requests file: the result found at a record's place is another's. Made
    /// apart from the loop that finds it, whose every record would otherwise carry the message's lambda.
    /// </summary>
    private static BatchAIException IdListMismatch(JobManifest manifest, StoredLine record)
    {
        var idsFile = manifest.Parts.Where(p => p.Index == record.Part).Select(PartBuilder.IdsFile).FirstOrDefault();
        return new BatchAIException(ErrorKind.Protocol, "JobIdsCorrupt", string.Format(CultureInfo.InvariantCulture, "The job's id list of part {0} ({1}) does not match its requests file: the result found for custom id '{2}' (line {3} of the requests file) is another record's. Nothing was lost: the results are in the ledger.", record.Part, idsFile, record.CustomId, record.Number));
    }

    /// <summary>
    /// A stored request line and what the ledger holds for its result: the bytes of its latest line (null when it has
    /// none), or an answer the download kept for it (<see cref="Answers"/> and <see cref="Ordinal"/>; the line, not
    /// read then, starts at <see cref="LineStart"/>).
    /// </summary>
    private readonly struct StoredResult(StoredLine request, ReadOnlyMemory<byte>? line, KeptAnswers? answers = null, int ordinal = -1, long lineStart = -1)
    {
        public StoredLine Request { get; } = request;

        public ReadOnlyMemory<byte>? Line { get; } = line;

        public KeptAnswers? Answers { get; } = answers;

        public int Ordinal { get; } = ordinal;

        public long LineStart { get; } = lineStart;
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
    /// the records by state. Returns the index of the results file it kept up to date when anything was downloaded (null
    /// when nothing was, or when <paramref name="downloaded"/> is given).
    /// </summary>
    /// <param name="downloaded">
    /// When given, told each part's index and where its records' lines start (see <see cref="DownloadedPart"/>) once
    /// its results are committed to the ledger; no index by id is kept then (the caller finds each result by its
    /// part), and null is returned.
    /// </param>
    /// <param name="keep">When given (with <paramref name="downloaded"/>), plain answers are kept in memory for the caller, within it.</param>
    private static async Task<ResultIndex?> DownloadAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, string activity, CancellationToken cancellationToken, Action<int, DownloadedPart>? downloaded = null, AnswerBudget? keep = null)
    {
        ResultIndex? index = null;
        AnswerCheck? check = null; // made at the first answer with a schema: making it loads the schema library
        var counted = new Dictionary<int, RecordCounts>(); // each part's records by state, as its download wrote them

        // A part's lines are made durable, and the part marked downloaded, while the next part downloads: waiting for
        // the disk took a million's download half a second. One commit at a time, in order; all done before returning.
        var committed = Task.CompletedTask;
        try
        {
            foreach (var part in manifest.Parts.Where(p => !p.ResultsDownloaded && p.State.IsFinal()))
            {
                // What is in the file (what earlier downloads left, usually nothing), kept up to date as lines are appended.
                index ??= downloaded is null ? ResultFile.Index(ledger.ResultsPath, manifest.RequestCount) : null;
                var (roster, answers) = await DownloadPartAsync(ledger, manifest, part, provider, reporter, activity, index, () => check ??= new AnswerCheck(ledger), downloaded is null ? null : keep, cancellationToken).ConfigureAwait(false);
                await committed.ConfigureAwait(false);
                committed = Task.Run(
                    () =>
                    {
                        ResultAppender.MakeDurable(ledger.ResultsPath);
                        lock (counted)
                        {
                            part.ResultsDownloaded = true;
                            counted[part.Index] = roster.Counts(part, manifest.MaxAttempts);
                            ledger.Save(manifest);
                        }

                        downloaded?.Invoke(part.Index, new DownloadedPart(roster.LineStarts, answers));
                    },
                    CancellationToken.None);
            }

            await committed.ConfigureAwait(false);
        }
        catch when (!committed.IsCompleted)
        {
            // Leaving early: the commit under way finishes first (what it makes durable stays so); its own failure, if
            // any, is not the one to see.
            await committed.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        await DeleteProviderFilesAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        if (counted.Count > 0 || manifest.Records is null)
        {
            manifest.Records = JobRecords.Count(ledger, manifest, index, counted);
            ledger.Save(manifest);
        }

        return index;
    }

    /// <summary>
    /// Appends one part's results to the ledger, in the file but not yet durable; returns its roster, which knows each
    /// record's outcome and where its line starts, and the plain answers it kept within <paramref name="keep"/> (none without).
    /// </summary>
    private static async Task<(PartRoster Roster, KeptAnswers? Answers)> DownloadPartAsync(JobLedger ledger, JobManifest manifest, PartRecord part, IBatchProvider provider, IEngineReporter reporter, string activity, ResultIndex? index, Func<AnswerCheck> check, AnswerBudget? keep, CancellationToken cancellationToken)
    {
        var roster = PartRoster.Read(ledger, part);
        var answers = keep is null ? null : new KeptAnswers(roster.LineStarts.Length, keep);
        using (var previous = part.Attempt > 1 && roster.HasSchemas ? new RandomAccessLines(ledger.ResultsPath) : null)
        using (var appender = new ResultAppender(ledger.ResultsPath))
        {
            void Append(ResultLine line, int ordinal)
            {
                var start = appender.Append(line);
                index?.Note(line.CustomId, start, line.Status, line.Retryable);
                if (ordinal >= 0)
                {
                    roster.Written(ordinal, start, line.Status, line.Retryable);
                    answers?.Keep(ordinal, line);
                }
            }

            if (part.BatchId is not null && part.State != BatchState.Failed)
            {
                reporter.Progress(new ProgressReport(activity, string.Format(CultureInfo.InvariantCulture, "downloading the results of batch {0} of {1}", part.Index, manifest.Parts.Count), -1));

                // The answers are read and parsed here while those before them are checked and written behind.
                var lines = await ConsumeBehind.RunAsync(
                    provider.ReadResultsAsync(part.ToRemote(), cancellationToken),
                    line =>
                    {
                        var ordinal = roster.Answer(line.CustomId, out var schemaId);

                        // To tell a record's second failed answer check from its first: its line from an earlier attempt.
                        bool FailedBefore() => previous is not null && index is not null && index.TryGetOffset(line.CustomId, out var offset) && AnswerCheck.IsAnswerCheckFailure(ResultFile.Parse(previous.ReadBytesAt(offset)));
                        Append(schemaId is null ? line : check().Check(line, schemaId, line.Status == ResultStatus.Succeeded && FailedBefore()), ordinal);
                    },
                    cancellationToken).ConfigureAwait(false);

                reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} result(s) of batch {2} downloaded.", manifest.Id, lines, part.BatchId));
            }

            foreach (var (id, ordinal) in roster.Unanswered(ledger, part))
            {
                Append(ResultJoiner.Missing(id, part), ordinal);
            }

            appender.Flush();
        }

        return (roster, answers);
    }
}
