namespace BatchAI.Engine.Tests.Support;

/// <summary>Counts the HTTP calls that reach the handler it wraps: "nothing was sent" is then a number a test can check.</summary>
internal sealed class CallCounter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public HttpMessageHandler Around(HttpMessageHandler inner) => new Handler(this, inner);

    private sealed class Handler(CallCounter owner, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner._count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
