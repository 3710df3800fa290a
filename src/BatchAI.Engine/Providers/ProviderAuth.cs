using System.Net.Http.Headers;

namespace BatchAI.Providers;

/// <summary>
/// What each provider wants on every call: OpenAI <c>Authorization: Bearer</c>; Anthropic <c>x-api-key</c> plus
/// <c>anthropic-version</c>; Gemini <c>x-goog-api-key</c>; Azure OpenAI <c>api-key</c>, and on its dated routes the
/// <c>api-version</c> query parameter (added here, once, so no API class has to remember it). The key goes only to the base URL's origin: a URL the provider hands back (a results or
/// upload URL) on another host gets the request without it.
/// </summary>
internal static class ProviderAuth
{
    /// <summary>The Message Batches API version BatchAI speaks (the one the SDKs send).</summary>
    public const string AnthropicVersion = "2023-06-01";

    public static Action<HttpRequestMessage> For(ProviderConnection connection, Uri baseUrl, string key)
    {
        var origin = baseUrl.GetLeftPart(UriPartial.Authority);
        var apiVersion = connection.UsesDatedAzureRoutes ? connection.ApiVersion!.Trim() : null;
        return request =>
        {
            if (request.RequestUri is not { IsAbsoluteUri: true } uri || !string.Equals(uri.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            switch (connection.Provider)
            {
                case ProviderKind.Anthropic:
                    Set(request, "x-api-key", key);
                    Set(request, "anthropic-version", AnthropicVersion);
                    break;
                case ProviderKind.Gemini:
                    Set(request, "x-goog-api-key", key);
                    break;
                case ProviderKind.AzureOpenAI:
                    Set(request, "api-key", key);
                    if (apiVersion is not null && uri.Query.IndexOf("api-version=", StringComparison.Ordinal) < 0)
                    {
                        request.RequestUri = new Uri(uri.AbsoluteUri + (uri.Query.Length == 0 ? "?" : "&") + "api-version=" + Uri.EscapeDataString(apiVersion));
                    }

                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    break;
            }
        };
    }

    private static void Set(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }
}
