using System.Globalization;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>Where a job stands as a whole.</summary>
public enum JobState
{
    /// <summary>Prepared in the ledger; some provider batches are not submitted yet.</summary>
    Submitting,

    /// <summary>Every batch is submitted, or waits for room in the provider's queue; at least one is still running.</summary>
    Running,

    /// <summary>A cancel was requested; at least one batch is still canceling.</summary>
    Canceling,

    /// <summary>Every batch has finished (completed, expired, canceled or failed).</summary>
    Finished,

    /// <summary>A pilot's batches have finished; the rest of the job is held until it is released.</summary>
    AwaitingRelease,
}

/// <summary>A snapshot of a job as the ledger knows it: the answer of Get-AIBatch and <c>batchai status</c>.</summary>
public sealed class BatchJob
{
    internal BatchJob(JobManifest manifest, string folder)
    {
        Id = manifest.Id;
        Name = manifest.Name;
        Provider = manifest.Provider;
        Models = manifest.Models.ToList();
        CreatedAt = manifest.CreatedAt;
        RequestCount = manifest.RequestCount;
        SkippedCount = manifest.SkippedCount;
        EstimatedCostUsd = manifest.EstimatedCostUsd;
        Columns = manifest.Columns.ToList();
        BaseUrl = manifest.BaseUrl;
        Emulated = manifest.Emulator;
        DryRun = manifest.DryRun;
        ReceivedAt = manifest.ReceivedAt;
        ExportedTo = manifest.ExportedTo;
        ExportedAt = manifest.ExportedAt;
        HookRanAt = manifest.HookRanAt;
        Records = manifest.Records;
        MaxAttempts = manifest.MaxAttempts;
        QueuedTokenLimit = manifest.QueuedTokenLimit;
        QueuedRequestLimit = manifest.QueuedRequestLimit;
        Folder = folder;
        Batches = manifest.Parts.Select(p => new ProviderBatch(p)).ToList();
        State = Batches.Any(b => b.State == BatchState.Pending && !b.Held && !b.AwaitsQueue) ? JobState.Submitting
            : Batches.All(b => b.State.IsFinal()) ? JobState.Finished
            : Batches.All(b => b.State.IsFinal() || b.Held) ? JobState.AwaitingRelease
            : Batches.Any(b => b.State == BatchState.Canceling) || manifest.CancelRequestedAt is not null ? JobState.Canceling
            : JobState.Running;
    }

    public string Id { get; }

    public string? Name { get; }

    public ProviderKind Provider { get; }

    public IReadOnlyList<string> Models { get; }

    public string Model => string.Join(", ", Models);

    public DateTimeOffset CreatedAt { get; }

    public JobState State { get; }

    public long RequestCount { get; }

    /// <summary>The batch cost estimated at submit, in US dollars, when the model's price is known.</summary>
    public decimal? EstimatedCostUsd { get; }

    /// <summary>Invalid records left out at submit (the job asked to skip them); each is listed in <see cref="SkippedPath"/>.</summary>
    public long SkippedCount { get; }

    /// <summary>The list of records left out at submit, or null when none were.</summary>
    public string? SkippedPath => SkippedCount > 0 ? Path.Combine(Folder, SkippedLog.FileName) : null;

    /// <summary>Requests the provider reports done (succeeded or failed on their own), over all batches.</summary>
    public long CompletedCount => Batches.Sum(b => (long)b.Completed);

    public long FailedCount => Batches.Sum(b => (long)b.Failed);

    public IReadOnlyList<ProviderBatch> Batches { get; }

    /// <summary>The job's records by state as of the last download or resubmission; null before any results are in.</summary>
    public RecordCounts? Records { get; }

    /// <summary>How many times a record may be sent in all before its failure is final.</summary>
    public int MaxAttempts { get; }

    /// <summary>Input tokens (estimated) the job keeps queued at the provider at once; null for no limit.</summary>
    public long? QueuedTokenLimit { get; }

    /// <summary>Requests the job keeps queued at the provider at once; null for no limit.</summary>
    public long? QueuedRequestLimit { get; }

    /// <summary>How many batches are in each state, e.g. "2 Completed, 1 Running".</summary>
    public string BatchSummary => string.Join(", ", Batches
        .GroupBy(b => b.Held ? "Held" : b.AwaitsQueue ? "AwaitingQueue" : b.State.ToString())
        .OrderBy(g => g.Key switch { "Held" => int.MaxValue, "AwaitingQueue" => -1, _ => (int)Enum.Parse(typeof(BatchState), g.Key) })
        .Select(g => g.Count().ToString(CultureInfo.InvariantCulture) + " " + g.Key));

    public IReadOnlyList<string> Columns { get; }

    public string? BaseUrl { get; }

    public bool Emulated { get; }

    /// <summary>Prepared by a dry run and not sent yet (resume sends it).</summary>
    public bool DryRun { get; }

    public DateTimeOffset? ReceivedAt { get; }

    /// <summary>The results file a scheduled advance wrote once the job was final, and when.</summary>
    public string? ExportedTo { get; }

    public DateTimeOffset? ExportedAt { get; }

    /// <summary>When the job's finished-hook ran to success (it runs once).</summary>
    public DateTimeOffset? HookRanAt { get; }

    /// <summary>The job's folder in the store.</summary>
    public string Folder { get; }

    public override string ToString() => Name is null ? Id : Id + " (" + Name + ")";
}

/// <summary>One provider batch of a job.</summary>
public sealed class ProviderBatch
{
    internal ProviderBatch(PartRecord part)
    {
        Index = part.Index;
        Attempt = part.Attempt;
        Held = part.Held;
        AwaitsQueue = part.AwaitsQueue && part.BatchId is null && part.State == BatchState.Pending;
        Tokens = part.Tokens;
        BatchId = part.BatchId;
        Model = part.Model;
        State = part.State;
        ProviderStatus = part.ProviderStatus;
        Requests = part.Requests;
        Completed = part.Completed;
        Failed = part.Failed;
        Errors = part.Errors.ToList();
        SubmittedAt = part.SubmittedAt;
        FinishedAt = part.FinishedAt;
    }

    public int Index { get; }

    /// <summary>1 for the job's first submission; 2 and up for resubmissions of its retryable records.</summary>
    public int Attempt { get; }

    /// <summary>Held back by a pilot until the job is released.</summary>
    public bool Held { get; }

    /// <summary>Not submitted yet for lack of room in the provider's queue: waiting for the job submits it as earlier batches finish.</summary>
    public bool AwaitsQueue { get; }

    /// <summary>The batch's input tokens, estimated (what it takes of the provider's queue).</summary>
    public long Tokens { get; }

    public string? BatchId { get; }

    public string Model { get; }

    public BatchState State { get; }

    public string? ProviderStatus { get; }

    public int Requests { get; }

    public int Completed { get; }

    public int Failed { get; }

    public IReadOnlyList<string> Errors { get; }

    public DateTimeOffset? SubmittedAt { get; }

    public DateTimeOffset? FinishedAt { get; }

    public override string ToString() => (BatchId ?? "(not submitted)") + " " + State;
}

/// <summary>One offer of tab completion for a job argument: the text to insert and what it is.</summary>
public sealed class JobCompletion(string text, string description)
{
    public string Text { get; } = text;

    public string Description { get; } = description;
}
