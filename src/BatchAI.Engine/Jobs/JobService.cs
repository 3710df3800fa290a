using System.Globalization;
using System.Security.Cryptography;
using BatchAI.Hosting;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// Everything BatchAI does with jobs, for the cmdlets and the CLI alike: prepare and submit, look, wait, cancel, and
/// receive results joined to their records. State lives in the store's ledger, so each call may run in a different
/// process. API keys are passed to each call that needs one and are never stored. This file holds preparing,
/// submitting and finding jobs; JobService.Waiting, .Results, .Recovery and .Costs hold the rest.
/// </summary>
public sealed partial class JobService : IDisposable
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
            DryRun = definition.DryRun,
        };
        // A dry run makes no call, so it needs no key: its provider only encodes requests.
        var provider = CreateProvider(connection, reporter, offline: definition.DryRun);
        var limits = provider.Limits;
        if (definition.MaxRequestsPerBatch is { } size && size < limits.MaxRequestsPerBatch)
        {
            limits = new ProviderLimits(size, limits.MaxBytesPerBatch);
        }

        static long? Chosen(long? given, long? providerDefault) => given is { } limit ? (limit == 0 ? null : limit) : providerDefault;
        manifest.QueuedTokenLimit = Chosen(definition.MaxQueuedTokens, provider.Limits.MaxQueuedTokens);
        manifest.QueuedRequestLimit = Chosen(definition.MaxQueuedRequests, provider.Limits.MaxQueuedRequests);
        limits = limits.WithQueue(manifest.QueuedTokenLimit, manifest.QueuedRequestLimit);

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
        if (!draft.Manifest.DryRun)
        {
            CheckSpendingCap(draft);
        }

        var ledger = draft.Complete();
        var manifest = draft.Manifest;
        using var held = Lock(ledger, manifest, "submit");
        reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} request(s) in {2} batch(es), prepared in {3}.", manifest.Id, manifest.RequestCount, manifest.Parts.Count, ledger.Folder));
        if (manifest.DryRun)
        {
            return new BatchJob(manifest, ledger.Folder); // nothing sent: resume sends it
        }

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
    /// What tab completion offers for a job argument starting with <paramref name="prefix"/>: each job's name (once,
    /// for the newest job of that name, which is what a name resolves to) and id, newest first, matched ignoring case.
    /// </summary>
    public IReadOnlyList<JobCompletion> Completions(string? prefix)
    {
        prefix ??= string.Empty;
        bool Starts(string? text) => text is not null && text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
        var jobs = List();
        var names = jobs.Where(j => Starts(j.Name)).GroupBy(j => j.Name!, StringComparer.Ordinal).Select(g => new JobCompletion(g.Key, Describe(g.First())));
        var ids = jobs.Where(j => Starts(j.Id)).Select(j => new JobCompletion(j.Id, Describe(j)));
        return names.Concat(ids).ToList();

        static string Describe(BatchJob job) => string.Format(CultureInfo.InvariantCulture, "{0}{1} · {2} · {3:N0} request(s) · created {4:yyyy-MM-dd HH:mm}", job.Id, job.Name is null ? string.Empty : " (" + job.Name + ")", job.State, job.RequestCount, job.CreatedAt);
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

    public void Dispose()
    {
        lock (_emulatorGate)
        {
            _emulator?.Dispose();
            _emulator = null;
        }
    }

    /// <summary>How far the provider's clock may be behind ours when looking for a batch created before an interruption.</summary>
    private static readonly TimeSpan SubmitClockSkew = TimeSpan.FromMinutes(10);

    private JobLock Lock(JobLedger ledger, JobManifest manifest, string operation) =>
        JobLock.Acquire(ledger, Label(manifest), operation, Clock.UtcNow);

    private static string Label(JobManifest manifest) => manifest.Name is null ? manifest.Id : manifest.Id + " (" + manifest.Name + ")";

    private static void RequireSubmitted(JobManifest manifest)
    {
        var pending = manifest.Parts.Count(p => p.BatchId is null && p.State == BatchState.Pending && !p.Held && !p.AwaitsQueue);
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

    /// <summary>
    /// Submits the job's batches not sent yet, in order, as long as they fit the provider's queue beside the job's
    /// unfinished ones; those that do not fit are marked to wait for room, and waiting submits them as earlier batches
    /// finish. With <paramref name="whileWaiting"/>, says so only in verbose output (the wait's progress shows the job).
    /// </summary>
    private async Task SubmitPendingPartsAsync(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IEngineReporter reporter, CancellationToken cancellationToken, bool whileWaiting = false)
    {
        var activity = "Submitting job " + Label(manifest);
        var total = manifest.Parts.Count;
        var submitted = manifest.Parts.Count(p => p.BatchId is not null);
        var waiting = manifest.Parts.Where(p => p.BatchId is null && p.State == BatchState.Pending && !p.Held).ToList();
        var reported = false;
        try
        {
            foreach (var part in waiting)
            {
                if (!FitsQueue(manifest, part))
                {
                    var awaiting = waiting.Where(p => p.BatchId is null).ToList();
                    awaiting.ForEach(p => p.AwaitsQueue = true);
                    ledger.Save(manifest);
                    var (queuedTokens, queuedRequests) = Queued(manifest);
                    var message = string.Format(CultureInfo.InvariantCulture, "Job {0}: {1} of {2} batch(es) wait for room in the provider's queue ({3:N0} tokens and {4:N0} requests queued; the job's limit is {5} tokens and {6} requests). Waiting for the job submits them as earlier batches finish.", manifest.Id, awaiting.Count, total, queuedTokens, queuedRequests, Limit(manifest.QueuedTokenLimit), Limit(manifest.QueuedRequestLimit));
                    if (whileWaiting)
                    {
                        reporter.Verbose(message);
                    }
                    else
                    {
                        reporter.Warning(message);
                    }

                    break;
                }

                reported = true;
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
                part.AwaitsQueue = false;
                part.Apply(remote, Clock.UtcNow);
                ledger.Save(manifest);
                submitted++;
                reporter.Verbose($"Job {manifest.Id}: batch {part.Index} of {total} submitted as {remote.Id}.");
            }
        }
        catch (Exception) when (submitted < total)
        {
            reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Job {0} is kept in the store with {1} of {2} batch(es) submitted; resume it with: batchai resume {0} (or Resume-AIBatch).", manifest.Id, submitted, total));
            throw;
        }
        finally
        {
            if (reported)
            {
                reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
            }
        }
    }

    /// <summary>The estimated tokens and the requests in the job's batches the provider holds unfinished.</summary>
    private static (long Tokens, long Requests) Queued(JobManifest manifest)
    {
        var queued = manifest.Parts.Where(p => p.BatchId is not null && !p.State.IsFinal() && !p.Realtime).ToList();
        return (queued.Sum(p => p.Tokens), queued.Sum(p => (long)p.Requests));
    }

    /// <summary>Whether the part can join the provider's queue now. With nothing queued it always can: it was built to fit alone.</summary>
    private static bool FitsQueue(JobManifest manifest, PartRecord part)
    {
        var (tokens, requests) = Queued(manifest);
        return requests == 0
            || ((manifest.QueuedTokenLimit is not { } tokenLimit || tokens + part.Tokens <= tokenLimit)
                && (manifest.QueuedRequestLimit is not { } requestLimit || requests + part.Requests <= requestLimit));
    }

    private static string Limit(long? limit) => limit is { } value ? value.ToString("N0", CultureInfo.InvariantCulture) : "no limit of";

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
        foreach (var part in manifest.Parts.Where(p => p.BatchId is not null && !p.State.IsFinal()).ToList())
        {
            var remote = await provider.GetAsync(part.BatchId!, cancellationToken).ConfigureAwait(false);
            if (remote.QueueFull && part.QueueRefusals < MaxQueueRefusals)
            {
                QueueAgain(manifest, part);
                ledger.Save(manifest);
            }
            else if (part.Apply(remote, Clock.UtcNow))
            {
                ledger.Save(manifest);
            }
        }
    }

    /// <summary>How many times a batch the provider refused for a full queue is queued again before its failure stands.</summary>
    internal const int MaxQueueRefusals = 3;

    /// <summary>
    /// The provider refused the batch because its queue was full (it counted more than our estimate, or the account's
    /// limit is lower than the job's): nothing in it ran. The part goes back to wait for room, its uploaded file kept,
    /// and the job's limit comes down to what the provider held, so it goes out only when earlier batches finish.
    /// </summary>
    private static void QueueAgain(JobManifest manifest, PartRecord part)
    {
        part.QueueRefusals++;
        part.BatchId = null;
        part.State = BatchState.Pending;
        part.ProviderStatus = null;
        part.SubmitStartedAt = null;
        part.SubmittedAt = null;
        part.AwaitsQueue = true;
        var (heldTokens, _) = Queued(manifest);
        if (heldTokens > 0)
        {
            manifest.QueuedTokenLimit = Math.Min(manifest.QueuedTokenLimit ?? long.MaxValue, Math.Max(heldTokens, part.Tokens));
        }
    }

    private IBatchProvider CreateProvider(ProviderConnection connection, IEngineReporter reporter, Providers.Http.HttpCounters? counters = null, bool offline = false)
    {
        // An offline provider gets its own transport from the factory, which sends nothing.
        var primary = offline ? null : connection.UseEmulator ? Emulator() : _options.NetworkHandler;
        return ProviderFactory.Create(connection, _options.Http, Clock, reporter, primary, _options.Random, _options.Limits, counters ?? _options.Counters, offline);
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
