using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// A job's small, mutable description: what was submitted where, and where each of its provider batches stands.
/// Replaced atomically on every change. Holds no secret: the API key is never part of it.
/// </summary>
internal sealed class JobManifest
{
    public int Format { get; set; } = 1;

    public string Id { get; set; } = string.Empty;

    public string? Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public ProviderKind Provider { get; set; }

    /// <summary>The base URL given at submit, if any (never with credentials: those are refused at submit).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The API version given at submit (Azure's dated routes, Gemini's v1), if any.</summary>
    public string? ApiVersion { get; set; }

    public bool Emulator { get; set; }

    /// <summary>Prepared by a dry run: nothing was sent; resuming the job sends it.</summary>
    public bool DryRun { get; set; }

    /// <summary>What the requests were made from (an input file's name), for people reading the job.</summary>
    public string? Input { get; set; }

    public long RequestCount { get; set; }

    /// <summary>The batch cost estimated at submit (US dollars), when the model's price is known; the monthly cap adds these up.</summary>
    public decimal? EstimatedCostUsd { get; set; }

    /// <summary>Records left out because they were invalid (the job asked to skip them); listed in skipped.jsonl.</summary>
    public long SkippedCount { get; set; }

    public List<string> Models { get; set; } = [];

    /// <summary>The name each schema was given (its file holds only the JSON), by schema id.</summary>
    public Dictionary<string, string> SchemaNames { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When the job's results are needed by; near it, what is unfinished can go through the real-time lane.</summary>
    public DateTimeOffset? Deadline { get; set; }

    /// <summary>Every source column, in first-seen order: the columns of the results file before ours.</summary>
    public List<string> Columns { get; set; } = [];

    public List<PartRecord> Parts { get; set; } = [];

    /// <summary>Keep the files uploaded to and produced by the provider after the results are in the ledger (default: delete them).</summary>
    public bool KeepProviderFiles { get; set; }

    /// <summary>Input tokens (estimated) the job keeps in unfinished provider batches at once; null for no limit.</summary>
    public long? QueuedTokenLimit { get; set; }

    /// <summary>Requests the job keeps in unfinished provider batches at once; null for no limit.</summary>
    public long? QueuedRequestLimit { get; set; }

    /// <summary>How many times a record may be sent in all (the first time included) before its failure is final.</summary>
    public int MaxAttempts { get; set; } = ResubmitOptions.DefaultMaxAttempts;

    /// <summary>The per-record counts as of the last download or resubmission; null until the first results are in.</summary>
    public RecordCounts? Records { get; set; }

    public DateTimeOffset? CancelRequestedAt { get; set; }

    public DateTimeOffset? ReceivedAt { get; set; }

    /// <summary>Where an advance last wrote the finished job's results (a full path), so the next one need not again.</summary>
    public string? ExportedTo { get; set; }

    public DateTimeOffset? ExportedAt { get; set; }

    /// <summary>When the job's finished-hook last ran to success; it runs once per job.</summary>
    public DateTimeOffset? HookRanAt { get; set; }

    public ProviderConnection Connection(string? apiKey) =>
        new() { Provider = Provider, BaseUrl = BaseUrl, ApiVersion = ApiVersion, UseEmulator = Emulator, ApiKey = apiKey };
}

/// <summary>One provider batch of a job: its input part on disk and what the provider said of it last.</summary>
internal sealed class PartRecord
{
    public int Index { get; set; }

    /// <summary>1 for the job's first submission; each resubmission of retryable requests adds one.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>Held back by a pilot: not submitted until the job is released.</summary>
    public bool Held { get; set; }

    /// <summary>Run through the real-time lane (a deadline fallback), not as a provider batch.</summary>
    public bool Realtime { get; set; }

    /// <summary>The part's request lines, relative to the job folder (its custom ids, in order, beside it as <c>.ids</c>).</summary>
    public string File { get; set; } = string.Empty;

    public string Model { get; set; } = string.Empty;

    public int Requests { get; set; }

    public long Bytes { get; set; }

    /// <summary>The part's input tokens, estimated as the spending cap estimates them: what it takes of the provider's queue.</summary>
    public long Tokens { get; set; }

    /// <summary>Not submitted yet because the provider's queue had no room for it; waiting for the job submits it.</summary>
    public bool AwaitsQueue { get; set; }

    /// <summary>How many times the provider refused this part for a full queue (OpenAI's <c>token_limit_exceeded</c>) and it was queued again.</summary>
    public int QueueRefusals { get; set; }

    public string? FileId { get; set; }

    public string? BatchId { get; set; }

    public BatchState State { get; set; } = BatchState.Pending;

    public string? ProviderStatus { get; set; }

    public int Total { get; set; }

    public int Completed { get; set; }

    public int Failed { get; set; }

    public Dictionary<string, string> ResultLocations { get; set; } = new(StringComparer.Ordinal);

    public List<string> Errors { get; set; } = [];

    /// <summary>When a create call for this part last went out (or was about to): set before the call, so that after an interruption the batch is looked for before it is created again.</summary>
    public DateTimeOffset? SubmitStartedAt { get; set; }

    public DateTimeOffset? SubmittedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public bool ResultsDownloaded { get; set; }

    /// <summary>The files uploaded for and produced by this batch were deleted at the provider (or there were none).</summary>
    public bool ProviderFilesDeleted { get; set; }

    public RemoteBatch ToRemote() => new()
    {
        Id = BatchId ?? string.Empty,
        State = State,
        ProviderStatus = ProviderStatus ?? string.Empty,
        Total = Total,
        Completed = Completed,
        Failed = Failed,
        ResultLocations = ResultLocations,
        Errors = Errors,
    };

    /// <summary>Takes what the provider said; returns whether anything changed.</summary>
    public bool Apply(RemoteBatch remote, DateTimeOffset now)
    {
        var changed = BatchId != remote.Id || State != remote.State || ProviderStatus != remote.ProviderStatus
            || Total != remote.Total || Completed != remote.Completed || Failed != remote.Failed
            || ResultLocations.Count != remote.ResultLocations.Count || Errors.Count != remote.Errors.Count;
        BatchId = remote.Id;
        State = remote.State;
        ProviderStatus = remote.ProviderStatus;
        Total = remote.Total;
        Completed = remote.Completed;
        Failed = remote.Failed;
        ResultLocations = new Dictionary<string, string>(remote.ResultLocations.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        Errors = remote.Errors.ToList();
        if (remote.State.IsFinal() && FinishedAt is null)
        {
            FinishedAt = now;
            changed = true;
        }

        return changed;
    }
}

/// <summary>How the ledger writes JSON: readable UTF-8 (no \u escapes for non-ASCII text), enums by name.</summary>
internal static class LedgerJson
{
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = Encoder, SkipValidation = false };

    /// <summary>
    /// What reading a damaged line of a ledger file throws: not JSON, not UTF-8, a field of the wrong kind, or a field
    /// missing (<see cref="InvalidDataException"/>, thrown by the readers themselves). The readers turn it into an
    /// error that names the file and the line.
    /// </summary>
    public static bool IsDamage(Exception error) => error is JsonException or InvalidOperationException or FormatException or InvalidDataException;

    public static readonly JsonSerializerOptions Manifest = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = Encoder,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };
}
