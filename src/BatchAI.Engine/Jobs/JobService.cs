using System.Globalization;
using System.Security.Cryptography;
using BatchAI.Hosting;
using BatchAI.IO;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// Everything BatchAI does with jobs, for the cmdlets and the CLI alike: prepare and submit, look, wait, cancel, and
/// receive results joined to their records. State lives in the store's ledger, so each call may run in a different
/// process. API keys are passed to each call that needs one and are never stored.
/// </summary>
public sealed class JobService : IDisposable
{
    private readonly JobServiceOptions _options;
    private readonly object _emulatorGate = new();
    private HttpMessageHandler? _emulator;

    public JobService(JobServiceOptions? options = null)
    {
        _options = options ?? new JobServiceOptions();
        StorePath = StoreLocation.Resolve(_options.Store);
    }

    public string StorePath { get; }

    private string JobsFolder => Path.Combine(StorePath, "jobs");

    private IClock Clock => _options.Clock;

    /// <summary>Starts a job. Add requests to the draft, then <see cref="SubmitAsync"/> it. Fails fast without an API key.</summary>
    public JobDraft CreateDraft(JobDefinition definition, IEngineReporter reporter)
    {
        if (definition is null)
        {
            throw new ArgumentNullException(nameof(definition));
        }

        definition.Validate();
        if (!Directory.Exists(StorePath))
        {
            // A store BatchAI makes is its owner's alone; a folder the user chose that exists already keeps its
            // permissions (its jobs/ and staging/ folders, which hold everything, are made owner-only either way).
            PrivateStore.Folder(StorePath);
        }

        var connection = definition.Connection;
        var manifest = new JobManifest
        {
            Id = NewJobId(),
            Name = definition.Name,
            CreatedAt = Clock.UtcNow,
            Provider = connection.Provider,
            BaseUrl = connection.EffectiveBaseUrl(),
            ApiVersion = string.IsNullOrWhiteSpace(connection.ApiVersion) ? null : connection.ApiVersion!.Trim(),
            Emulator = connection.UseEmulator,
            Input = definition.Input,
            KeepProviderFiles = definition.KeepProviderFiles,
            Deadline = definition.Deadline,
        };
        var provider = CreateProvider(connection, reporter);
        var limits = provider.Limits;
        if (definition.MaxRequestsPerBatch is { } size && size < limits.MaxRequestsPerBatch)
        {
            limits = new ProviderLimits(size, limits.MaxBytesPerBatch);
        }

        return new JobDraft(manifest, provider, limits, Path.Combine(StorePath, "staging", manifest.Id), JobsFolder) { SkipsInvalidRecords = definition.SkipInvalidRecords, PilotSize = definition.PilotSize, CheckSpendingCap = !definition.IgnoreSpendingCap };
    }

    /// <summary>
    /// Moves the draft into the store and submits its batches. When a submit is interrupted, the job stays in the
    /// store with the batches submitted so far recorded.
    /// </summary>
    public async Task<BatchJob> SubmitAsync(JobDraft draft, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (draft is null)
        {
            throw new ArgumentNullException(nameof(draft));
        }

        reporter ??= NullReporter.Instance;
        CheckSpendingCap(draft);
        var ledger = draft.Complete();
        var manifest = draft.Manifest;
        using var held = Lock(ledger, manifest, "submit");
        reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} request(s) in {2} batch(es), prepared in {3}.", manifest.Id, manifest.RequestCount, manifest.Parts.Count, ledger.Folder));
        await SubmitPendingPartsAsync(ledger, manifest, draft.BatchProvider, reporter, cancellationToken).ConfigureAwait(false);
        return new BatchJob(manifest, ledger.Folder);
    }

    /// <summary>The job as the ledger last recorded it, without asking the provider.</summary>
    public BatchJob Get(string idOrName)
    {
        var ledger = Resolve(idOrName);
        return new BatchJob(ledger.Load(), ledger.Folder);
    }

    /// <summary>Asks the provider about every unfinished batch of the job, records the answers and the records' counts by state, and returns the job.</summary>
    public async Task<BatchJob> RefreshAsync(string idOrName, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        var ledger = Resolve(idOrName);
        var manifest = ledger.Load();
        using var held = Lock(ledger, manifest, "status");
        manifest = ledger.Load();
        using var provider = CreateProvider(manifest.Connection(apiKey), reporter ?? NullReporter.Instance);
        await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
        manifest.Records = JobRecords.Count(ledger, manifest);
        ledger.Save(manifest);
        return new BatchJob(manifest, ledger.Folder);
    }

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
    /// The usage the provider reported for a job, per model, from the ledger (no provider calls): every attempt's
    /// tokens, since every attempt that ran was billed; <see cref="Costs.CostInputs.Requests"/> counts each record
    /// once. Records whose batches have not returned yet are not counted.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Costs.CostInputs>> ActualUsage(string idOrName)
    {
        var ledger = Resolve(idOrName);
        var manifest = ledger.Load();
        // Batch parts only: records a deadline fallback ran in real time were paid at real-time prices (see FallbackAsync).
        var modelOf = manifest.Parts.Where(p => p.BatchId is not null && !p.Realtime).GroupBy(p => p.BatchId!).ToDictionary(g => g.Key, g => g.First().Model, StringComparer.Ordinal);
        var byModel = new Dictionary<string, Costs.CostInputs>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in manifest.Models)
        {
            byModel[model] = new Costs.CostInputs { Basis = "actual", TokensExact = true };
        }

        var counted = new CustomIdMap();
        if (File.Exists(ledger.ResultsPath))
        {
            using var stream = new FileStream(ledger.ResultsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
            foreach (var text in IO.LineFiles.Read(stream, includeUnterminatedLast: false).Where(l => l.Bytes.Length > 0))
            {
                var line = ResultFile.Parse(text.Text);
                if (line.BatchId is null || !modelOf.TryGetValue(line.BatchId, out var model) || !byModel.TryGetValue(model, out var totals))
                {
                    continue;
                }

                if (line.InputTokens is null && line.OutputTokens is null)
                {
                    continue; // never ran (expired, canceled): nothing billed
                }

                if (counted.TryAdd(line.CustomId, 0, out _))
                {
                    totals.Requests++;
                }

                totals.InputTokens += line.InputTokens ?? 0;
                totals.CachedInputTokens += line.CachedInputTokens ?? 0;
                totals.OutputTokens += line.OutputTokens ?? 0;
            }
        }

        return byModel.ToList();
    }

    /// <summary>
    /// The real-time lane: sends each request to the provider's synchronous endpoint (bounded concurrency, within the
    /// per-minute limits, retried on 429 and 5xx) and hands back results in input order, in the shape a batch's have.
    /// Nothing goes to the job store.
    /// </summary>
    public async Task<Realtime.RealtimeSummary> RunRealtimeAsync(ProviderConnection connection, IEnumerable<Requests.BatchRequest> requests, Realtime.RealtimeOptions options, Action<BatchResult> onResult, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (connection is null || requests is null || options is null || onResult is null)
        {
            throw new ArgumentNullException(connection is null ? nameof(connection) : requests is null ? nameof(requests) : options is null ? nameof(options) : nameof(onResult));
        }

        var counters = _options.Counters ?? new Providers.Http.HttpCounters();
        using var provider = CreateProvider(connection, reporter ?? NullReporter.Instance, counters);
        return await Realtime.RealtimeLane.RunAsync(provider, counters, requests, options, onResult, Clock, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The job's report from the ledger (no provider calls), its costs priced with <paramref name="prices"/>.</summary>
    public JobReport Report(string idOrName, Costs.PriceTable prices)
    {
        if (prices is null)
        {
            throw new ArgumentNullException(nameof(prices));
        }

        var ledger = Resolve(idOrName);
        var manifest = ledger.Load();
        var counts = new RecordCounts();
        var causes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var record in JobRecords.Read(ledger, manifest))
        {
            counts.Add(record.State);
            counts.Retryable += record.CanRetry ? 1 : 0;
            if (record.State is RecordState.Failed or RecordState.Expired or RecordState.Canceled)
            {
                var cause = record.Result?.ErrorCode ?? record.State.ToString().ToLowerInvariant();
                causes[cause] = causes.TryGetValue(cause, out var n) ? n + 1 : 1;
            }
        }

        var started = manifest.Parts.Where(p => p.SubmittedAt is not null).Select(p => p.SubmittedAt!.Value).DefaultIfEmpty(manifest.CreatedAt).Min();
        var ended = manifest.Parts.All(p => p.State.IsFinal() || p.Held) && manifest.Parts.Any(p => p.FinishedAt is not null)
            ? manifest.Parts.Where(p => p.FinishedAt is not null).Max(p => p.FinishedAt!.Value)
            : Clock.UtcNow;
        return new JobReport
        {
            JobId = manifest.Id,
            Name = manifest.Name,
            Records = manifest.RequestCount,
            WallTime = ended - started,
            Batches = manifest.Parts.Count,
            Attempts = manifest.Parts.Max(p => p.Attempt),
            Resubmitted = manifest.Parts.Where(p => p.Attempt > 1).Sum(p => (long)p.Requests),
            Counts = counts,
            FailuresByCause = causes,
            Costs = ActualUsage(idOrName).Select(u => Costs.CostCalculator.Compare(prices.Find(u.Key), u.Value)).ToList(),
        };
    }

    /// <summary>
    /// Near the job's deadline (or now, when asked), cancels its batches still running, takes in what they finished,
    /// and sends every record not yet answered through the real-time lane; reports the extra cost over batch prices.
    /// </summary>
    public async Task<FallbackSummary> FallbackAsync(string idOrName, FallbackOptions? options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        options ??= new FallbackOptions();
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "fallback");
        var manifest = ledger.Load();
        DeadlineFallback.CheckTime(manifest, options, Clock.UtcNow);
        var counters = new Providers.Http.HttpCounters();
        using var provider = CreateProvider(manifest.Connection(apiKey), reporter, counters);

        // Stop what still runs, so no record is paid for in both lanes; what a pilot holds will not be sent as a batch.
        var canceled = 0;
        foreach (var part in manifest.Parts.Where(p => !p.State.IsFinal()))
        {
            if (part.BatchId is null)
            {
                part.State = BatchState.Canceled;
                part.Held = false;
                part.FinishedAt = Clock.UtcNow;
            }
            else
            {
                part.Apply(await provider.CancelAsync(part.BatchId, cancellationToken).ConfigureAwait(false), Clock.UtcNow);
                canceled++;
            }

            ledger.Save(manifest);
        }

        var waited = TimeSpan.Zero;
        while (manifest.Parts.Any(p => !p.State.IsFinal()))
        {
            if (waited >= options.CancelWait)
            {
                throw new BatchAIException(ErrorKind.Unavailable, "FallbackBatchesStillRunning", $"Job {manifest.Id}: {manifest.Parts.Count(p => !p.State.IsFinal())} batch(es) are still canceling after {options.CancelWait.TotalMinutes:0} min; run the fallback again shortly.");
            }

            await Clock.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            waited += TimeSpan.FromSeconds(2);
            await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
        }

        await DownloadFinishedAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);

        var requests = DeadlineFallback.Unanswered(ledger, manifest);
        var results = new List<BatchResult>(requests.Count);
        var lane = await Realtime.RealtimeLane.RunAsync(provider, counters, requests, options.Realtime, results.Add, Clock, cancellationToken).ConfigureAwait(false);
        if (requests.Count > 0)
        {
            DeadlineFallback.Record(ledger, manifest, provider, requests, results, Clock.UtcNow);
        }

        manifest.Records = JobRecords.Count(ledger, manifest);
        ledger.Save(manifest);
        var (realtimeCost, batchCost) = DeadlineFallback.Cost(results, requests, Costs.PriceTable.Load(_options.PriceFile));
        reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) through the real-time lane, {2:0.00####} USD over their batch price.", manifest.Id, requests.Count, realtimeCost - batchCost));
        return new FallbackSummary
        {
            Job = new BatchJob(manifest, ledger.Folder),
            Records = requests.Count,
            Succeeded = lane.Succeeded,
            Failed = lane.Failed,
            BatchesCanceled = canceled,
            RealtimeCost = realtimeCost,
            BatchCost = batchCost,
            Lane = lane,
        };
    }

    /// <summary>
    /// Input tokens for each request, from the provider's own count-tokens endpoint (OpenAI's responses/input_tokens,
    /// Anthropic's messages/count_tokens, Gemini's countTokens): one call per request, so for a sample, not a million.
    /// </summary>
    public async Task<IReadOnlyList<long>> CountTokensAsync(ProviderConnection connection, IReadOnlyList<Requests.BatchRequest> requests, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (connection is null || requests is null)
        {
            throw new ArgumentNullException(connection is null ? nameof(connection) : nameof(requests));
        }

        using var provider = CreateProvider(connection, reporter ?? NullReporter.Instance);
        var counts = new List<long>(requests.Count);
        foreach (var request in requests)
        {
            counts.Add(await provider.CountTokensAsync(request, cancellationToken).ConfigureAwait(false));
        }

        return counts;
    }

    /// <summary>The store's spending cap (config.json).</summary>
    public Costs.SpendingCap SpendingCap
    {
        get => Costs.SpendingCap.Load(StorePath);
        set => (value ?? throw new ArgumentNullException(nameof(value))).Save(StorePath);
    }

    /// <summary>
    /// Estimates the draft's batch cost and records it in the job; refuses it, before anything is sent, when it would
    /// pass the store's per-job cap or, with the estimates of the jobs submitted this month, the monthly one.
    /// </summary>
    private void CheckSpendingCap(JobDraft draft)
    {
        var prices = Costs.PriceTable.Load(_options.PriceFile);
        decimal estimate = 0;
        var unknown = new List<string>();
        foreach (var total in draft.Plan.Totals)
        {
            if (prices.TryFind(total.Key, out var price))
            {
                estimate += Costs.CostCalculator.Compare(price, total.Value).BatchTokenCost;
            }
            else
            {
                unknown.Add(total.Key);
            }
        }

        draft.Manifest.EstimatedCostUsd = unknown.Count == 0 ? estimate : null;
        var cap = SpendingCap;
        if (!cap.IsSet || !draft.CheckSpendingCap)
        {
            return;
        }

        if (unknown.Count > 0)
        {
            draft.Dispose();
            throw new BatchAIException(ErrorKind.InvalidInput, "SpendingCapUnchecked", $"A spending cap is set, but there is no price for {string.Join(", ", unknown)} to estimate this job's cost. Nothing was sent. Give its prices in a price file, or force the submit (--force, -Force).");
        }

        var month = new DateTimeOffset(Clock.UtcNow.Year, Clock.UtcNow.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var spent = List().Where(j => j.CreatedAt >= month).Sum(j => j.EstimatedCostUsd ?? 0);
        try
        {
            cap.Check(draft.JobId, estimate, spent);
        }
        catch (BatchAIException)
        {
            draft.Dispose();
            throw;
        }
    }

    /// <summary>Every job in the store, newest first, as the ledger knows them.</summary>
    public IReadOnlyList<BatchJob> List()
    {
        if (!Directory.Exists(JobsFolder))
        {
            return [];
        }

        return Directory.EnumerateDirectories(JobsFolder)
            .Where(d => File.Exists(Path.Combine(d, JobLedger.ManifestFile)))
            .Select(d => new BatchJob(new JobLedger(d).Load(), d))
            .OrderByDescending(j => j.CreatedAt)
            .ThenByDescending(j => j.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The jobs whose id or name matches any of <paramref name="patterns"/> (PowerShell wildcards), newest first, as
    /// the ledger knows them; every job when there are no patterns.
    /// </summary>
    public JobSearch Find(IReadOnlyList<string>? patterns)
    {
        var jobs = List();
        if (patterns is null || patterns.Count == 0)
        {
            return new JobSearch(jobs, []);
        }

        bool Matches(BatchJob job, string pattern) => Wildcards.IsMatch(pattern, job.Id) || Wildcards.IsMatch(pattern, job.Name);
        var unmatched = patterns.Where(p => !Wildcards.HasWildcards(p) && !jobs.Any(j => Matches(j, p))).ToList();
        return new JobSearch(jobs.Where(j => patterns.Any(p => Matches(j, p))).ToList(), unmatched);
    }

    /// <summary>
    /// Polls until every batch of the job is final (or any one, with <see cref="WaitOptions.Any"/>), at growing
    /// intervals, reporting progress. Returns with <see cref="WaitOutcome.TimedOut"/> set when the timeout comes first.
    /// </summary>
    public async Task<WaitOutcome> WaitAsync(string idOrName, WaitOptions options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken) =>
        (await WaitAsync([idOrName], options, apiKey, reporter, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Waits for several jobs at once, with one progress report: until every batch of every job is final, or, with
    /// <see cref="WaitOptions.Any"/>, until any one batch is. One outcome per job, in the order given; a job counts as
    /// timed out when the timeout ended the wait before it finished.
    /// </summary>
    public async Task<IReadOnlyList<WaitOutcome>> WaitAsync(IReadOnlyList<string> jobs, WaitOptions options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (jobs is null || jobs.Count == 0)
        {
            throw new ArgumentException("Name at least one job to wait for.", nameof(jobs));
        }

        options ??= new WaitOptions();
        reporter ??= NullReporter.Instance;
        var watched = jobs.Select(Resolve).GroupBy(l => l.Folder).Select(g => g.First()).Select(l => (Ledger: l, Manifest: l.Load())).ToList();
        foreach (var job in watched)
        {
            RequireSubmitted(job.Manifest);
        }

        var locks = new List<JobLock>();
        try
        {
            foreach (var job in watched)
            {
                locks.Add(Lock(job.Ledger, job.Manifest, "wait"));
            }

            return await WaitLockedAsync(watched.Select(w => (w.Ledger, w.Ledger.Load())).ToList(), options, apiKey, reporter, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var held in locks)
            {
                held.Dispose();
            }
        }
    }

    private async Task<IReadOnlyList<WaitOutcome>> WaitLockedAsync(List<(JobLedger Ledger, JobManifest Manifest)> watched, WaitOptions options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        var providers = new List<IBatchProvider>();
        var activity = watched.Count == 1 ? "Waiting for job " + Label(watched[0].Manifest) : string.Format(CultureInfo.InvariantCulture, "Waiting for {0} jobs", watched.Count);
        var start = Clock.UtcNow;
        var interval = options.FirstPollInterval;
        try
        {
            providers.AddRange(watched.Select(w => CreateProvider(w.Manifest.Connection(apiKey), reporter)));
            while (true)
            {
                for (var i = 0; i < watched.Count; i++)
                {
                    await RefreshAsync(watched[i].Ledger, watched[i].Manifest, providers[i], cancellationToken).ConfigureAwait(false);
                }

                var snapshots = watched.Select(w => new BatchJob(w.Manifest, w.Ledger.Folder)).ToList();
                var batches = snapshots.SelectMany(j => j.Batches).ToList();
                var finished = batches.Count(b => b.State.IsFinal());
                var awaited = batches.Count(b => !b.Held); // a pilot's held batches are not waited for: they wait for a release
                reporter.Progress(new ProgressReport(activity, snapshots.Count == 1 ? Describe(snapshots[0]) : Describe(snapshots), Percent(snapshots)));
                if (finished == awaited || (options.Any && finished > 0))
                {
                    return CountRecords(watched).Select(j => new WaitOutcome(j, timedOut: false)).ToList();
                }

                var elapsed = Clock.UtcNow - start;
                if (options.Timeout is { } timeout && elapsed >= timeout)
                {
                    reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Stopped waiting after {0:0} s; unfinished jobs go on at the provider.", elapsed.TotalSeconds));
                    return CountRecords(watched).Select(j => new WaitOutcome(j, timedOut: j.State is not (JobState.Finished or JobState.AwaitingRelease))).ToList();
                }

                var delay = options.Timeout is { } limit && limit - elapsed < interval ? limit - elapsed : interval;
                await Clock.Delay(delay, cancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * 1.5), options.MaxPollInterval.Ticks));
            }
        }
        finally
        {
            foreach (var provider in providers)
            {
                provider.Dispose();
            }

            reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
        }
    }

    /// <summary>Cancels every unfinished batch of the job; batches not submitted yet will not be.</summary>
    public async Task<BatchJob> CancelAsync(string idOrName, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "cancel");
        var manifest = ledger.Load();
        manifest.CancelRequestedAt ??= Clock.UtcNow;
        ledger.Save(manifest);
        using var provider = CreateProvider(manifest.Connection(apiKey), reporter);
        foreach (var part in manifest.Parts.Where(p => !p.State.IsFinal()))
        {
            if (part.BatchId is null)
            {
                part.State = BatchState.Canceled;
                part.FinishedAt = Clock.UtcNow;
            }
            else
            {
                part.Apply(await provider.CancelAsync(part.BatchId, cancellationToken).ConfigureAwait(false), Clock.UtcNow);
                reporter.Verbose($"Batch {part.BatchId} of job {manifest.Id}: cancel requested, now {part.State}.");
            }

            ledger.Save(manifest);
        }

        return new BatchJob(manifest, ledger.Folder);
    }

    /// <summary>
    /// Downloads the results of the job's batches (once; a later receive reuses them) and hands back one result per
    /// request, in input order, joined to its source record. The job must be finished.
    /// </summary>
    public async Task<ReceiveSummary> ReceiveAsync(string idOrName, Action<BatchResult> onResult, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (onResult is null)
        {
            throw new ArgumentNullException(nameof(onResult));
        }

        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "receive");
        var manifest = ledger.Load();
        RequireSubmitted(manifest);
        var activity = "Receiving results of job " + Label(manifest);
        try
        {
            using (var provider = CreateProvider(manifest.Connection(apiKey), reporter))
            {
                await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
                RequireFinished(manifest);
                await DownloadAsync(ledger, manifest, provider, reporter, activity, cancellationToken).ConfigureAwait(false);
            }

            var counts = new long[4];
            var parts = manifest.Parts.ToDictionary(p => p.Index);
            var index = ResultFile.Index(ledger.ResultsPath);
            using var results = File.Exists(ledger.ResultsPath) ? new RandomAccessLines(ledger.ResultsPath) : null;
            using var errors = new ErrorLog(ledger, manifest, Clock.UtcNow);
            long joined = 0;
            long heldBack = 0;
            foreach (var request in RequestFile.Read(ledger.RequestsPath))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (parts.TryGetValue(request.Part, out var waiting) && waiting.Held)
                {
                    heldBack++; // after a pilot, only its records have results to review
                    continue;
                }

                var line = results is not null && index.TryGetValue(request.CustomId, out var offset) ? ResultFile.Parse(results.ReadAt(offset)) : null;
                var result = ResultJoiner.Join(request, line, parts.TryGetValue(request.Part, out var part) ? part : null);
                counts[(int)result.Status]++;
                errors.Add(result);
                onResult(result);
                if (++joined % 10_000 == 0)
                {
                    reporter.Progress(new ProgressReport(activity, string.Format(CultureInfo.InvariantCulture, "{0:N0} of {1:N0} results joined", joined, manifest.RequestCount), (int)(joined * 100 / Math.Max(1, manifest.RequestCount))));
                }
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
            reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
        }
    }

    /// <summary>
    /// Sends again, as new provider batches of the same job, every record whose latest attempt expired, was canceled
    /// or failed in a way worth retrying, up to the job's bound on attempts. Batches still running are left to run;
    /// their records can go again after they end. Permanent failures (an invalid request) are not sent again.
    /// </summary>
    public async Task<ResubmitSummary> ResubmitAsync(string idOrName, ResubmitOptions? options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        options ??= new ResubmitOptions();
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "resubmit");
        var manifest = ledger.Load();
        if (options.MaxAttempts is { } maxAttempts)
        {
            if (maxAttempts < 1)
            {
                throw BatchAIException.InvalidInput("MaxAttemptsInvalid", "The bound on attempts must be 1 or more.");
            }

            manifest.MaxAttempts = maxAttempts;
            ledger.Save(manifest);
        }

        using var provider = CreateProvider(manifest.Connection(apiKey), reporter);
        await SubmitPendingPartsAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
        await DownloadFinishedAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);

        var before = JobRecords.Count(ledger, manifest);
        var (parts, resent, exhausted) = Resubmission.Prepare(ledger, manifest, provider.Limits);
        if (parts.Count > 0)
        {
            manifest.Parts.AddRange(parts);
            ledger.Save(manifest);
            reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) go again in {2} new batch(es) (attempt {3}).", manifest.Id, resent, parts.Count, parts[0].Attempt));
            await SubmitPendingPartsAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        }

        manifest.Records = parts.Count > 0 ? JobRecords.Count(ledger, manifest) : before;
        ledger.Save(manifest);

        if (exhausted > 0)
        {
            reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) failed {2} time(s), the bound on attempts, and are not sent again.", manifest.Id, exhausted, manifest.MaxAttempts));
        }

        return new ResubmitSummary(new BatchJob(manifest, ledger.Folder), before, resent, parts.Count, exhausted);
    }

    /// <summary>
    /// Picks a job up where an interrupted run left it (or releases a pilot): submits the batches not submitted yet (finding, where the
    /// provider allows, one that was created before the interruption rather than creating it twice), asks after the
    /// running ones, and downloads the results of those that ended. Never waits.
    /// </summary>
    /// <param name="release">Also submit the batches a pilot held back.</param>
    public async Task<BatchJob> ResumeAsync(string idOrName, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken, bool release = false)
    {
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), release ? "release" : "resume");
        var manifest = ledger.Load();
        if (release)
        {
            var released = manifest.Parts.Where(p => p.Held).ToList();
            foreach (var part in released)
            {
                part.Held = false;
            }

            ledger.Save(manifest);
            reporter.Verbose(released.Count == 0
                ? $"Job {manifest.Id} holds nothing back: there is nothing to release."
                : string.Format(CultureInfo.InvariantCulture, "Job {0}: released {1} held batch(es), {2:N0} request(s).", manifest.Id, released.Count, released.Sum(p => (long)p.Requests)));
        }

        using var provider = CreateProvider(manifest.Connection(apiKey), reporter);
        await SubmitPendingPartsAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
        await DownloadFinishedAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        return new BatchJob(manifest, ledger.Folder);
    }

    public void Dispose()
    {
        lock (_emulatorGate)
        {
            _emulator?.Dispose();
            _emulator = null;
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

    /// <summary>Records the jobs' per-record counts as they now stand, and returns the jobs.</summary>
    private static List<BatchJob> CountRecords(List<(JobLedger Ledger, JobManifest Manifest)> jobs)
    {
        foreach (var (ledger, manifest) in jobs)
        {
            manifest.Records = JobRecords.Count(ledger, manifest);
            ledger.Save(manifest);
        }

        return jobs.Select(j => new BatchJob(j.Manifest, j.Ledger.Folder)).ToList();
    }

    /// <summary>How far the provider's clock may be behind ours when looking for a batch created before an interruption.</summary>
    private static readonly TimeSpan SubmitClockSkew = TimeSpan.FromMinutes(10);

    private JobLock Lock(JobLedger ledger, JobManifest manifest, string operation) =>
        JobLock.Acquire(ledger, Label(manifest), operation, Clock.UtcNow);

    private static string Label(JobManifest manifest) => manifest.Name is null ? manifest.Id : manifest.Id + " (" + manifest.Name + ")";

    private static string Describe(BatchJob job)
    {
        var done = job.CompletedCount + job.FailedCount;
        return string.Format(CultureInfo.InvariantCulture, "{0} · {1:N0} of {2:N0} requests done", job.BatchSummary, done, job.RequestCount);
    }

    private static string Describe(List<BatchJob> jobs)
    {
        var batches = jobs.SelectMany(j => j.Batches).ToList();
        return string.Format(
            CultureInfo.InvariantCulture,
            "{0} of {1} jobs finished · {2} of {3} batches final · {4:N0} of {5:N0} requests done",
            jobs.Count(j => j.State == JobState.Finished),
            jobs.Count,
            batches.Count(b => b.State.IsFinal()),
            batches.Count,
            jobs.Sum(j => j.CompletedCount + j.FailedCount),
            jobs.Sum(j => j.RequestCount));
    }

    private static int Percent(List<BatchJob> jobs)
    {
        var batches = jobs.SelectMany(j => j.Batches).ToList();
        var requests = jobs.Sum(j => j.RequestCount);
        var byRequests = requests == 0 ? 0 : jobs.Sum(j => j.CompletedCount + j.FailedCount) * 100 / requests;
        var byBatches = batches.Count == 0 ? 0 : batches.Count(b => b.State.IsFinal()) * 100 / batches.Count;
        return (int)Math.Min(100, Math.Max(byRequests, byBatches));
    }

    private static void RequireSubmitted(JobManifest manifest)
    {
        var pending = manifest.Parts.Count(p => p.BatchId is null && p.State == BatchState.Pending && !p.Held);
        if (pending > 0)
        {
            throw new BatchAIException(ErrorKind.Conflict, "JobNotSubmitted", string.Format(CultureInfo.InvariantCulture, "Job {0}: {1} of its {2} batch(es) were never submitted (the submit was interrupted).", Label(manifest), pending, manifest.Parts.Count));
        }
    }

    private static void RequireFinished(JobManifest manifest)
    {
        var running = manifest.Parts.Where(p => !p.State.IsFinal() && !p.Held).ToList();
        if (running.Count > 0)
        {
            var states = string.Join(", ", running.GroupBy(p => p.State).Select(g => g.Count().ToString(CultureInfo.InvariantCulture) + " " + g.Key));
            throw new BatchAIException(ErrorKind.Conflict, "JobNotFinished", $"Job {Label(manifest)} is not finished ({states}). Wait for it first: batchai wait {manifest.Id}, or Wait-AIBatch.");
        }
    }

    private async Task SubmitPendingPartsAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        var activity = "Submitting job " + Label(manifest);
        var total = manifest.Parts.Count;
        var submitted = manifest.Parts.Count(p => p.BatchId is not null);
        try
        {
            foreach (var part in manifest.Parts.Where(p => p.BatchId is null && p.State == BatchState.Pending && !p.Held))
            {
                reporter.Progress(new ProgressReport(activity, string.Format(CultureInfo.InvariantCulture, "batch {0} of {1}: {2:N0} requests, {3}", part.Index, total, part.Requests, Formatting.Bytes(part.Bytes)), submitted * 100 / total));
                var submission = new PartSubmission
                {
                    JobId = manifest.Id,
                    JobName = manifest.Name,
                    PartIndex = part.Index,
                    PartCount = total,
                    FilePath = ledger.PartPath(part),
                    Model = part.Model,
                    Requests = part.Requests,
                    Bytes = part.Bytes,
                    UploadedFileId = part.FileId,
                };
                var remote = await SubmitPartAsync(ledger, manifest, part, submission, provider, reporter, cancellationToken).ConfigureAwait(false);
                part.SubmittedAt ??= Clock.UtcNow;
                part.Apply(remote, Clock.UtcNow);
                ledger.Save(manifest);
                submitted++;
                reporter.Verbose($"Job {manifest.Id}: batch {part.Index} of {total} submitted as {remote.Id}.");
            }
        }
        catch (Exception) when (submitted < total)
        {
            reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Job {0} is kept in the store with {1} of {2} batch(es) submitted.", manifest.Id, submitted, total));
            throw;
        }
        finally
        {
            reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
        }
    }

    /// <summary>
    /// Submits one part, never paying for it twice: the moment a create call may go out is recorded first, so when
    /// that call's answer is lost (a dropped connection, a crash, a kill) the batch is looked for, by the mark the
    /// provider keeps, before it is created again.
    /// </summary>
    private async Task<RemoteBatch> SubmitPartAsync(JobLedger ledger, JobManifest manifest, PartRecord part, PartSubmission submission, IBatchProvider provider, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        const int lostAnswers = 3;
        for (var attempt = 1; ; attempt++)
        {
            if (part.SubmitStartedAt is { } started)
            {
                if (provider.CanFindSubmitted)
                {
                    var found = await provider.FindSubmittedAsync(submission, started - SubmitClockSkew, cancellationToken).ConfigureAwait(false);
                    if (found is not null)
                    {
                        reporter.Verbose($"Job {manifest.Id}: batch {part.Index} was created as {found.Id} before the submit was interrupted; it is kept, not created again.");
                        part.SubmittedAt = started;
                        return found;
                    }
                }
                else
                {
                    reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Job {0}: submitting batch {1} was interrupted at {2:u}. {3} batches carry no mark to find them by, so if that call reached the provider, a second batch with the same requests now runs: check the provider's console.", manifest.Id, part.Index, started, provider.Kind));
                }
            }

            part.SubmitStartedAt = Clock.UtcNow;
            ledger.Save(manifest);
            try
            {
                var submitted = await provider.SubmitAsync(
                    submission,
                    fileId =>
                    {
                        part.FileId = fileId;
                        ledger.Save(manifest);
                    },
                    cancellationToken).ConfigureAwait(false);
                part.SubmittedAt = Clock.UtcNow;
                return submitted;
            }
            catch (BatchAIException error) when (error.Kind == ErrorKind.Unavailable && provider.CanFindSubmitted && attempt < lostAnswers)
            {
                reporter.Verbose($"Job {manifest.Id}: the answer to creating batch {part.Index} was lost ({error.Message}); looking for the batch before trying again.");
                submission = submission.WithUploadedFile(part.FileId);
            }
        }
    }

    private async Task RefreshAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, CancellationToken cancellationToken)
    {
        foreach (var part in manifest.Parts.Where(p => p.BatchId is not null && !p.State.IsFinal()))
        {
            var remote = await provider.GetAsync(part.BatchId!, cancellationToken).ConfigureAwait(false);
            if (part.Apply(remote, Clock.UtcNow))
            {
                ledger.Save(manifest);
            }
        }
    }

    /// <summary>
    /// Appends the results of every finished part not yet downloaded to the ledger: one line per record of the part,
    /// a synthesized one (expired, canceled, missing) for each record the provider returned nothing for. Then counts
    /// the records by state.
    /// </summary>
    private static async Task DownloadAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, string activity, CancellationToken cancellationToken)
    {
        var downloaded = false;
        var check = new AnswerCheck(ledger);
        CustomIdMap? earlier = null;
        foreach (var part in manifest.Parts.Where(p => !p.ResultsDownloaded && p.State.IsFinal()))
        {
            var entries = JobRecords.PartEntries(ledger, part).ToDictionary(e => e.Id, e => e.SchemaId, StringComparer.Ordinal);
            if (part.Attempt > 1 && earlier is null && entries.Values.Any(s => s is not null))
            {
                earlier = ResultFile.Index(ledger.ResultsPath); // to tell a record's second failed answer check from its first
            }

            var answered = new HashSet<string>(StringComparer.Ordinal);
            using (var previous = earlier is null ? null : new RandomAccessLines(ledger.ResultsPath))
            using (var appender = new ResultAppender(ledger.ResultsPath))
            {
                if (part.BatchId is not null && part.State != BatchState.Failed)
                {
                    reporter.Progress(new ProgressReport(activity, string.Format(CultureInfo.InvariantCulture, "downloading the results of batch {0} of {1}", part.Index, manifest.Parts.Count), -1));
                    await foreach (var line in provider.ReadResultsAsync(part.ToRemote(), cancellationToken).ConfigureAwait(false))
                    {
                        entries.TryGetValue(line.CustomId, out var schemaId);
                        bool FailedBefore() => previous is not null && earlier!.TryGetValue(line.CustomId, out var offset) && AnswerCheck.IsAnswerCheckFailure(ResultFile.Parse(previous.ReadAt(offset)));
                        appender.Append(schemaId is null ? line : check.Check(line, schemaId, line.Status == ResultStatus.Succeeded && FailedBefore()));
                        answered.Add(line.CustomId);
                    }

                    reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} result(s) of batch {2} downloaded.", manifest.Id, answered.Count, part.BatchId));
                }

                foreach (var id in entries.Keys.Where(id => !answered.Contains(id)))
                {
                    appender.Append(ResultJoiner.Missing(id, part));
                }

                appender.Commit();
            }

            part.ResultsDownloaded = true;
            ledger.Save(manifest);
            downloaded = true;
        }

        await DeleteProviderFilesAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        if (downloaded || manifest.Records is null)
        {
            manifest.Records = JobRecords.Count(ledger, manifest);
            ledger.Save(manifest);
        }
    }

    private IBatchProvider CreateProvider(ProviderConnection connection, IEngineReporter reporter, Providers.Http.HttpCounters? counters = null)
    {
        var primary = connection.UseEmulator ? Emulator() : _options.NetworkHandler;
        return ProviderFactory.Create(connection, _options.Http, Clock, reporter, primary, _options.Random, _options.Limits, counters ?? _options.Counters);
    }

    private HttpMessageHandler Emulator()
    {
        lock (_emulatorGate)
        {
            var factory = _options.EmulatorFactory
                ?? throw BatchAIException.InvalidInput("EmulatorUnavailable", "This job runs on the in-process emulator, which this host was not given.");
            return _emulator ??= factory(Path.Combine(StorePath, "emulator"));
        }
    }

    private JobLedger Resolve(string idOrName)
    {
        if (string.IsNullOrWhiteSpace(idOrName) || idOrName.IndexOfAny(['/', '\\', ':']) >= 0 || idOrName.Contains(".."))
        {
            throw BatchAIException.InvalidInput("JobIdInvalid", $"'{idOrName}' is not a job id or name.");
        }

        var byId = Path.Combine(JobsFolder, idOrName);
        if (File.Exists(Path.Combine(byId, JobLedger.ManifestFile)))
        {
            return new JobLedger(byId);
        }

        var byName = List().FirstOrDefault(j => string.Equals(j.Name, idOrName, StringComparison.OrdinalIgnoreCase));
        return byName is not null
            ? new JobLedger(byName.Folder)
            : throw new BatchAIException(ErrorKind.NotFound, "JobNotFound", $"There is no job '{idOrName}' in the store at {StorePath}. List the jobs there with: batchai list, or Get-AIBatch.");
    }

    private string NewJobId()
    {
        var bytes = new byte[3];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(bytes);
        }

        return "job-" + Clock.UtcNow.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + string.Concat(bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
