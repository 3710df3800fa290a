namespace BatchAI.Providers.Http;

/// <summary>
/// The transport of a provider that only encodes requests (a dry run): it has no key and sends nothing. A call that
/// reaches it is a mistake in BatchAI, and says so instead of going out unauthenticated.
/// </summary>
internal sealed class OfflineHandler : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"A dry run sends nothing, yet {request?.Method} {request?.RequestUri?.AbsolutePath} was attempted.");
}
