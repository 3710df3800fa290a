namespace BatchAI.Providers;

/// <summary>A provider batch as the provider last described it, in neutral terms.</summary>
internal sealed class RemoteBatch
{
    public string Id { get; init; } = string.Empty;

    public BatchState State { get; init; }

    /// <summary>The provider's own word for the state (e.g. <c>in_progress</c>).</summary>
    public string ProviderStatus { get; init; } = string.Empty;

    public int Total { get; init; }

    public int Completed { get; init; }

    public int Failed { get; init; }

    /// <summary>Where the provider keeps the results (for OpenAI: <c>output_file_id</c>, <c>error_file_id</c>).</summary>
    public IReadOnlyDictionary<string, string> ResultLocations { get; init; } = new Dictionary<string, string>();

    /// <summary>Why the provider failed the batch as a whole, one message per problem.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>The provider failed the batch, before running any of it, because the account's queue was full (OpenAI's <c>token_limit_exceeded</c>).</summary>
    public bool QueueFull { get; init; }
}

/// <summary>One request's outcome as a provider reported it, before it is joined to its record.</summary>
internal sealed class ResultLine
{
    public string CustomId { get; init; } = string.Empty;

    public ResultStatus Status { get; init; }

    public string? Text { get; init; }

    /// <summary>All input tokens, cached ones included.</summary>
    public int? InputTokens { get; init; }

    /// <summary>Input tokens read from the provider's prompt cache (billed lower), when reported.</summary>
    public int? CachedInputTokens { get; init; }

    /// <summary>All output tokens, reasoning ones included.</summary>
    public int? OutputTokens { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>Whether sending the same request again may succeed (a server error or timeout, not a bad request).</summary>
    public bool Retryable { get; init; }

    public string? BatchId { get; init; }

    /// <summary>Provider specifics: finish reason, model version, request id, HTTP status of the line.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = ResultDetails.None;
}

/// <summary>One prepared part of a job, ready to go to the provider as one batch.</summary>
internal sealed class PartSubmission
{
    public string JobId { get; init; } = string.Empty;

    public string? JobName { get; init; }

    public int PartIndex { get; init; }

    public int PartCount { get; init; }

    public string FilePath { get; init; } = string.Empty;

    /// <summary>The model every request of the part names (one model per part).</summary>
    public string Model { get; init; } = string.Empty;

    public int Requests { get; init; }

    public long Bytes { get; init; }

    /// <summary>A file uploaded by an earlier, interrupted attempt; the upload is not repeated.</summary>
    public string? UploadedFileId { get; init; }

    public PartSubmission WithUploadedFile(string? fileId) => new()
    {
        JobId = JobId,
        JobName = JobName,
        PartIndex = PartIndex,
        PartCount = PartCount,
        FilePath = FilePath,
        Model = Model,
        Requests = Requests,
        Bytes = Bytes,
        UploadedFileId = fileId,
    };
}
