using BatchAI.Hosting;
using BatchAI.Providers.Http;
using BatchAI.Providers.OpenAI;

namespace BatchAI.Providers;

/// <summary>Builds the provider a connection describes, on the redacting, retrying HTTP pipeline.</summary>
internal static class ProviderFactory
{
    /// <param name="primary">The innermost handler: the in-process emulator, a test's handler, or null for the network.</param>
    /// <param name="limits">Smaller batch limits than the provider's own, when given.</param>
    public static IBatchProvider Create(ProviderConnection connection, HttpSettings settings, IClock clock, IEngineReporter reporter, HttpMessageHandler? primary, Func<double>? random = null, ProviderLimits? limits = null)
    {
        var baseUrl = connection.ResolveBaseUrl();
        var key = connection.ResolveApiKey();
        var redactor = new SecretRedactor(key);
        var pipeline = HttpPipeline.Create(
            baseUrl,
            request => request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key),
            redactor,
            settings,
            clock,
            reporter,
            primary,
            random);
        return connection.Provider switch
        {
            _ => new OpenAIProvider(new OpenAIApi(pipeline.Client, redactor), owned: pipeline) { Limits = limits ?? OpenAIProvider.DefaultLimits },
        };
    }
}
