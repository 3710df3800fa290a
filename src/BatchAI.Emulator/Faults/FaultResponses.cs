using System.Net;
using BatchAI.Emulator.Anthropic;
using BatchAI.Emulator.Gemini;
using BatchAI.Emulator.Http;

namespace BatchAI.Emulator.Faults;

/// <summary>Which front end a call reached, so a fault reads the way that provider writes it.</summary>
internal enum FrontEnd
{
    OpenAI,
    Azure,
    Anthropic,
    Gemini,
}

/// <summary>
/// An injected API-call fault as each provider shows it: its status code, its error envelope and words, and a
/// <c>Retry-After</c> on 429s. A dropped connection is thrown as the transport would report it.
/// </summary>
internal static class FaultResponses
{
    /// <summary>The delay 429s ask for, in seconds: short, so runs against the emulator stay quick.</summary>
    public const int RetryAfterSeconds = 1;

    public static HttpResponseMessage For(FrontEnd frontEnd, CallFault fault)
    {
        if (fault == CallFault.Dropped)
        {
            throw new EmulatedConnectionDropException();
        }

        var response = frontEnd switch
        {
            FrontEnd.OpenAI => fault switch
            {
                CallFault.RateLimited => Responses.OpenAIError((HttpStatusCode)429, "Rate limit reached for requests. Please try again in 1s.", "requests", code: "rate_limit_exceeded"),
                CallFault.ServerError => Responses.OpenAIError(HttpStatusCode.InternalServerError, "The server had an error while processing your request. Sorry about that!", "server_error"),
                _ => Responses.OpenAIError(HttpStatusCode.ServiceUnavailable, "The engine is currently overloaded, please try again later.", "server_error"),
            },
            FrontEnd.Azure => fault switch
            {
                CallFault.RateLimited => ProviderEmulator.AzureError((HttpStatusCode)429, "429", "Requests to the Batch API have exceeded the rate limit of your current tier. Please retry after 1 second."),
                CallFault.ServerError => ProviderEmulator.AzureError(HttpStatusCode.InternalServerError, "InternalServerError", "The service encountered an internal error. Please retry."),
                _ => ProviderEmulator.AzureError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "The service is temporarily unable to process your request. Please try again later."),
            },
            FrontEnd.Anthropic => fault switch
            {
                CallFault.RateLimited => AnthropicProtocol.Error((HttpStatusCode)429, "rate_limit_error", "Number of requests has exceeded your rate limit. Please try again later."),
                CallFault.ServerError => AnthropicProtocol.Error(HttpStatusCode.InternalServerError, "api_error", "Internal server error"),
                _ => AnthropicProtocol.Error((HttpStatusCode)529, "overloaded_error", "Overloaded"),
            },
            _ => fault switch
            {
                CallFault.RateLimited => GeminiJson.Error((HttpStatusCode)429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
                CallFault.ServerError => GeminiJson.Error(HttpStatusCode.InternalServerError, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
                _ => GeminiJson.Error(HttpStatusCode.ServiceUnavailable, "UNAVAILABLE", "The model is overloaded. Please try again later."),
            },
        };
        if (fault == CallFault.RateLimited)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return Responses.Mark(response);
    }

    /// <summary>A 429 of the synchronous rate limit, in the provider's shape, with the wait it asks for (rounded up to whole seconds, and in ms).</summary>
    public static HttpResponseMessage RateLimited(FrontEnd frontEnd, TimeSpan wait)
    {
        var response = For(frontEnd, CallFault.RateLimited);
        response.Headers.Remove("Retry-After");
        response.Headers.TryAddWithoutValidation("Retry-After", Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.Headers.TryAddWithoutValidation("retry-after-ms", Math.Max(1, (long)Math.Ceiling(wait.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return response;
    }
}

/// <summary>
/// An injected fault: the connection closed before any answer. In process it reaches the client as the transport's
/// own failure would; <c>batchai emulator</c> aborts the TCP connection instead.
/// </summary>
public sealed class EmulatedConnectionDropException : HttpRequestException
{
    public EmulatedConnectionDropException()
        : base("The emulator dropped the connection (an injected fault).", new IOException("Connection reset by the emulator."))
    {
    }
}
