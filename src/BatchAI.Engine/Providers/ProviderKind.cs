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

/// <summary>What one provider batch may hold. A job larger than this is split into several provider batches.</summary>
public sealed class ProviderLimits(int maxRequestsPerBatch, long maxBytesPerBatch)
{
    public int MaxRequestsPerBatch { get; } = maxRequestsPerBatch;

    public long MaxBytesPerBatch { get; } = maxBytesPerBatch;
}
