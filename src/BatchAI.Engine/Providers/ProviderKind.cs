namespace BatchAI.Providers;

/// <summary>The batch APIs BatchAI can drive.</summary>
public enum ProviderKind
{
    OpenAI,
}

/// <summary>What one provider batch may hold. A job larger than this is split into several provider batches.</summary>
public sealed class ProviderLimits(int maxRequestsPerBatch, long maxBytesPerBatch)
{
    public int MaxRequestsPerBatch { get; } = maxRequestsPerBatch;

    public long MaxBytesPerBatch { get; } = maxBytesPerBatch;
}
