namespace BatchAI.Emulator.State;

/// <summary>An uploaded or generated file. Times are Unix milliseconds.</summary>
internal sealed class FileRecord
{
    public string Id { get; set; } = string.Empty;

    public string Purpose { get; set; } = string.Empty;

    public string Filename { get; set; } = string.Empty;

    public long Bytes { get; set; }

    public long CreatedAtMs { get; set; }

    public long? ExpiresAtMs { get; set; }
}

/// <summary>
/// A batch as created, plus what the emulator learned about it later (validation, outcome). Its status is not stored:
/// it follows from these fields and the clock (see OpenAIBatchTimeline), so every process sharing the state agrees.
/// </summary>
internal sealed class BatchRecord
{
    public string Id { get; set; } = string.Empty;

    /// <summary>The batch's sequence number in the emulator's state, which seeds its injected faults (see FaultPlan).</summary>
    public string? FaultKey { get; set; }

    public string Endpoint { get; set; } = string.Empty;

    public string InputFileId { get; set; } = string.Empty;

    public string CompletionWindow { get; set; } = "24h";

    public Dictionary<string, string>? Metadata { get; set; }

    public long CreatedAtMs { get; set; }

    /// <summary>How long the batch takes, fixed at creation so that later processes with other settings agree.</summary>
    public long ProcessingMs { get; set; }

    public long CompletionWindowMs { get; set; }

    public long CancellationDelayMs { get; set; }

    public long? CancelRequestedAtMs { get; set; }

    public BatchValidation? Validation { get; set; }

    public BatchOutcome? Outcome { get; set; }
}

/// <summary>What validating the input file found.</summary>
internal sealed class BatchValidation
{
    public int Total { get; set; }

    /// <summary>Requests whose body the model would reject (a 400 line in the error file).</summary>
    public int InvalidRequests { get; set; }

    public string? Model { get; set; }

    /// <summary>Requests an injected expiry leaves unprocessed: when there are any, the batch ends expired, not completed.</summary>
    public int Unprocessed { get; set; }

    /// <summary>The prompt tokens of the batch's valid requests: what it holds of the account's enqueued-token limit until it ends.</summary>
    public long PromptTokens { get; set; }

    public List<BatchErrorRecord> Errors { get; set; } = [];
}

internal sealed class BatchErrorRecord
{
    public string Code { get; set; } = string.Empty;

    public string Message { get; set; } = string.Empty;

    public string? Param { get; set; }

    public int? Line { get; set; }
}

/// <summary>The files and counts of a batch that has finished processing.</summary>
internal sealed class BatchOutcome
{
    public string? OutputFileId { get; set; }

    public string? ErrorFileId { get; set; }

    public int Completed { get; set; }

    public int Failed { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }
}
