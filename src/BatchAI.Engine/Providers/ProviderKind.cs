namespace BatchAI.Providers;

/// <summary>The batch APIs BatchAI can drive.</summary>
public enum ProviderKind
{
    /// <summary>OpenAI's Batch API, or any server that implements its files and batches endpoints.</summary>
    OpenAI,

    /// <summary>Anthropic's Message Batches API.</summary>
    Anthropic,

    /// <summary>The Gemini API's batch mode (Gemini Developer API).</summary>
    Gemini,

    /// <summary>Azure OpenAI's global batch deployments.</summary>
    AzureOpenAI,
}

/// <summary>
/// What one provider batch may hold, and what the provider lets an account have queued at once. A job larger than a
/// batch is split into several provider batches; a job larger than the queue is submitted a share at a time, more as
/// earlier batches finish.
/// </summary>
public sealed class ProviderLimits(int maxRequestsPerBatch, long maxBytesPerBatch)
{
    public int MaxRequestsPerBatch { get; } = maxRequestsPerBatch;

    public long MaxBytesPerBatch { get; } = maxBytesPerBatch;

    /// <summary>Input tokens the provider accepts in unfinished batches at once (its "enqueued tokens"); null for no limit.</summary>
    public long? MaxQueuedTokens { get; init; }

    /// <summary>Requests the provider accepts in unfinished batches at once (Anthropic's processing queue); null for no limit.</summary>
    public long? MaxQueuedRequests { get; init; }

    /// <summary>These limits with the queue limits a job chose (null keeps none).</summary>
    public ProviderLimits WithQueue(long? maxQueuedTokens, long? maxQueuedRequests) =>
        new(MaxRequestsPerBatch, MaxBytesPerBatch) { MaxQueuedTokens = maxQueuedTokens, MaxQueuedRequests = maxQueuedRequests };
}
