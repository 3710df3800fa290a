namespace BatchAI.Providers.Http;

/// <summary>
/// What a provider's HTTP pipeline did, attempt by attempt (retries included): calls made, 429s met, server errors and
/// dropped connections. The side-by-side report is built from these.
/// </summary>
public sealed class HttpCounters
{
    private long _attempts;
    private long _rateLimited;
    private long _serverErrors;
    private long _networkFailures;

    /// <summary>HTTP calls sent, each retry counted.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>429 answers met.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    public long NetworkFailures => Interlocked.Read(ref _networkFailures);

    internal void Count(int? status)
    {
        Interlocked.Increment(ref _attempts);
        if (status is null)
        {
            Interlocked.Increment(ref _networkFailures);
        }
        else if (status == 429)
        {
            Interlocked.Increment(ref _rateLimited);
        }
        else if (status >= 500)
        {
            Interlocked.Increment(ref _serverErrors);
        }
    }
}

/// <summary>Innermost: counts every attempt and how it was answered.</summary>
internal sealed class CountingHandler(HttpCounters counters) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            counters.Count((int)response.StatusCode);
            return response;
        }
        catch (Exception ex) when (RetryPolicy.IsNetworkFailure(ex))
        {
            counters.Count(null);
            throw;
        }
    }
}
