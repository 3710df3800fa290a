namespace BatchAI.Providers.Http;

/// <summary>How provider calls are retried and timed out.</summary>
public sealed class HttpSettings
{
    /// <summary>Retries after the first attempt, for 408, 409, 429, 5xx and network failures.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>The first backoff; each retry doubles it, up to <see cref="MaxDelay"/>, with jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest Retry-After honoured; a provider asking for longer gets its error returned instead.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one attempt may take (uploads get more; see <see cref="MinUploadBytesPerSecond"/>).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The slowest upload speed allowed for before an attempt times out.</summary>
    public long MinUploadBytesPerSecond { get; set; } = 256 * 1024;
}
