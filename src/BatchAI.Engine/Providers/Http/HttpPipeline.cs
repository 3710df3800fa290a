using System.Net;
using BatchAI.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace BatchAI.Providers.Http;

/// <summary>
/// Builds the HttpClient a provider uses, with Microsoft.Extensions.Http: redaction and logging outermost, then retry,
/// then authentication, then the network (or the in-process emulator). The factory's own request logging is removed:
/// our redaction handler is the only thing that reports requests.
/// </summary>
internal sealed class HttpPipeline : IDisposable
{
    private readonly ServiceProvider _services;

    private HttpPipeline(ServiceProvider services, HttpClient client)
    {
        _services = services;
        Client = client;
    }

    public HttpClient Client { get; }

    /// <param name="primary">The innermost handler; null for the network. It is not disposed with the pipeline.</param>
    public static HttpPipeline Create(Uri baseAddress, Action<HttpRequestMessage> authenticate, SecretRedactor redactor, HttpSettings settings, IClock clock, IEngineReporter reporter, HttpMessageHandler? primary, Func<double>? random = null, HttpCounters? counters = null)
    {
        var policy = new RetryPolicy(settings, random ?? SharedRandom.NextDouble);
        var services = new ServiceCollection();
        services.AddHttpClient(nameof(HttpPipeline), client =>
            {
                client.BaseAddress = baseAddress;
                client.Timeout = Timeout.InfiniteTimeSpan; // the retry handler times each attempt
            })
            .RemoveAllLoggers()
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => primary is null ? NetworkHandler() : new SharedHandler(primary))
            .AddHttpMessageHandler(() => new RedactionHandler(redactor, reporter))
            .AddHttpMessageHandler(() => new RetryHandler(policy, clock, reporter, redactor))
            .AddHttpMessageHandler(() => new AuthHandler(authenticate))
            .AddHttpMessageHandler(() => new CountingHandler(counters ?? new HttpCounters()));
        var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(HttpPipeline));
        return new HttpPipeline(provider, client);
    }

    public void Dispose()
    {
        Client.Dispose();
        _services.Dispose();
    }

    private static HttpClientHandler NetworkHandler() => new()
    {
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
        UseCookies = false,
        AllowAutoRedirect = false,
    };

    private static class SharedRandom
    {
        private static readonly Random Random = new();

        public static double NextDouble()
        {
            lock (Random)
            {
                return Random.NextDouble();
            }
        }
    }
}
