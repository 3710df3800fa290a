using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace BatchAI.Providers.Http;

/// <summary>
/// What every provider API does with HTTP: send JSON, read a JSON answer, stream a JSONL body line by line, and turn
/// an error answer into a <see cref="ProviderException"/> that names the operation and quotes the provider's message
/// (redacted). Reads the three error envelopes: OpenAI's and Azure's <c>{"error": {"message", "code"|"type"}}</c>,
/// Anthropic's <c>{"type": "error", "error": {"type", "message"}}</c> and Google's
/// <c>{"error": {"code": 400, "message", "status"}}</c>.
/// </summary>
internal sealed class ProviderHttp(HttpClient client, SecretRedactor redactor, string providerName, string keyVariables)
{
    public HttpClient Client => client;

    public string ProviderName => providerName;

    public static HttpContent JsonContent(Action<Utf8JsonWriter> write)
    {
        var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            write(writer);
        }

        var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Sends a request and parses its JSON answer; an error status throws.</summary>
    /// <param name="createsBatch">
    /// The call creates a batch: when the connection fails, it is not simply sent again, since the provider may have
    /// created the batch already; the caller looks for it first (see <see cref="RetryPolicy.CreatesBatch"/>).
    /// </param>
    public async Task<JsonDocument> SendJsonAsync(HttpMethod method, string uri, HttpContent? content, string operation, CancellationToken cancellationToken, bool createsBatch = false)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        if (createsBatch)
        {
            request.Properties[RetryPolicy.CreatesBatch] = true;
        }

        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, operation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a DELETE; true when it was deleted or was already gone (404), an error otherwise.</summary>
    public async Task<bool> DeleteAsync(string uri, string operation, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, uri);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, operation).ConfigureAwait(false);
        }

        return true;
    }

    public async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, operation).ConfigureAwait(false);
        }

        try
        {
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", $"{operation}: {providerName} answered with something that is not JSON ({ex.Message}).");
        }
    }

    /// <summary>The non-empty lines of a response body, streamed: only the current line is in memory.</summary>
    /// <summary>
    /// The body's non-empty lines as UTF-8 bytes (see <see cref="Utf8LineReader"/>): each one is good until the next
    /// is asked for, so a caller parses it before moving on.
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadLinesAsync(string uri, string operation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, operation).ConfigureAwait(false);
        }

        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var reader = new Utf8LineReader(stream);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    public static string Required(JsonElement element, string property, string what) =>
        element.StringOrNull(property) ?? throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", $"The {what} answer has no '{property}'.");

    /// <summary>Turns an error answer into an exception naming the operation and quoting the provider's message, redacted.</summary>
    public async Task<ProviderException> ErrorAsync(HttpResponseMessage response, string operation)
    {
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        string? message = null;
        string? code = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error))
            {
                message = error.ValueKind == JsonValueKind.String ? error.GetString() : error.StringOrNull("message");
                code = error.StringOrNull("code") ?? error.StringOrNull("status") ?? error.StringOrNull("type");
            }
        }
        catch (JsonException)
        {
            // A gateway's HTML error page: quote its start below.
        }

        message ??= body.Length > 200 ? body.Substring(0, 200) + "…" : body;
        var status = (int)response.StatusCode;
        var hint = response.StatusCode == HttpStatusCode.Unauthorized || (response.StatusCode == HttpStatusCode.Forbidden && code == "PERMISSION_DENIED")
            ? $" Check the API key ({keyVariables} or -ApiKey / --api-key)."
            : string.Empty;
        return new ProviderException(response.StatusCode, code, redactor.Redact($"{operation} failed: {providerName} answered {status} {response.ReasonPhrase}: {message}{hint}"));
    }
}
