using BatchAI.Hosting;
using BatchAI.Providers.Anthropic;
using BatchAI.Providers.Gemini;
using BatchAI.Providers.Http;
using BatchAI.Providers.OpenAI;

namespace BatchAI.Providers;

/// <summary>Builds the provider a connection describes, on the redacting, retrying HTTP pipeline.</summary>
internal static class ProviderFactory
{
    /// <param name="primary">The innermost handler: the in-process emulator, a test's handler, or null for the network.</param>
    /// <param name="limits">Smaller batch limits than the provider's own, when given.</param>
    /// <param name="offline">A provider that only encodes requests (a dry run): it needs no key and can send nothing.</param>
    public static IBatchProvider Create(ProviderConnection connection, HttpSettings settings, IClock clock, IEngineReporter reporter, HttpMessageHandler? primary, Func<double>? random = null, ProviderLimits? limits = null, HttpCounters? counters = null, bool offline = false)
    {
        var baseUrl = connection.ResolveBaseUrl();
        var key = offline ? string.Empty : connection.ResolveApiKey();
        primary = offline ? new OfflineHandler() : primary;
        var redactor = new SecretRedactor(key);
        var pipeline = HttpPipeline.Create(baseUrl, ProviderAuth.For(connection, baseUrl, key), redactor, settings, clock, reporter, primary, random, counters);
        var http = new ProviderHttp(pipeline.Client, redactor, ProviderNames.DisplayName(connection.Provider), string.Join(" or ", ProviderConnection.ApiKeyVariables(connection.Provider)));
        return connection.Provider switch
        {
            ProviderKind.Anthropic => new AnthropicProvider(http, pipeline) { Limits = limits ?? AnthropicProvider.DefaultLimits },
            ProviderKind.Gemini => new GeminiProvider(http, string.IsNullOrWhiteSpace(connection.ApiVersion) ? "v1beta" : connection.ApiVersion!.Trim(), pipeline) { Limits = limits ?? GeminiProvider.DefaultLimits },
            ProviderKind.AzureOpenAI => new OpenAIProvider(new OpenAIApi(http, clock), pipeline, ProviderKind.AzureOpenAI, connection.UsesDatedAzureRoutes ? OpenAIProvider.AzureDatedEndpoint : OpenAIProvider.DefaultEndpoint) { Limits = limits ?? OpenAIProvider.AzureLimits },
            _ => new OpenAIProvider(new OpenAIApi(http, clock), pipeline) { Limits = limits ?? OpenAIProvider.DefaultLimits },
        };
    }

}
