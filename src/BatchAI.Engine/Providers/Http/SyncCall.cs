using System.Net;
using System.Text;
using System.Text.Json;
using BatchAI.Requests;

namespace BatchAI.Providers.Http;

/// <summary>
/// What every provider's synchronous call shares: the request body is taken from the provider's own batch line (so
/// both lanes send exactly the same request), and the answer is wrapped back into a batch result line, so both lanes
/// read results with the same parser and give the same result shape.
/// </summary>
internal static class SyncCall
{
    /// <summary>The batch id real-time results carry.</summary>
    public const string BatchId = "realtime";

    /// <summary>The JSON of <paramref name="property"/> of the provider's batch line for <paramref name="request"/>.</summary>
    public static string Body(IBatchProvider provider, BatchRequest request, string property)
    {
        var requestLine = new IO.JsonLine();
        provider.WriteRequestLine(requestLine, request);
        using var line = JsonDocument.Parse(requestLine.ToArray());
        return line.RootElement.GetProperty(property).GetRawText();
    }

    /// <summary>
    /// Posts the body; returns the status and the answer as JSON text (an answer that is not JSON becomes an error
    /// object). A key the provider refuses (401, 403) stops the whole run: every other call would meet it too.
    /// </summary>
    public static async Task<(int Status, string Json, string? RequestId)> PostAsync(ProviderHttp http, string path, string body, string operation, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body, new UTF8Encoding(false), "application/json");
        using var response = await http.Client.PostAsync(path, content, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw await http.ErrorAsync(response, operation).ConfigureAwait(false);
        }

        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var requestId = response.Headers.TryGetValues("x-request-id", out var ids) || response.Headers.TryGetValues("request-id", out ids) ? ids.FirstOrDefault() : null;
        try
        {
            using (JsonDocument.Parse(text))
            {
            }

            return ((int)response.StatusCode, text, requestId);
        }
        catch (JsonException)
        {
            return ((int)response.StatusCode, "{\"error\":{\"message\":" + JsonSerializer.Serialize(text.Length > 500 ? text.Substring(0, 500) : text) + "}}", requestId);
        }
    }

    public static string Quote(string text) => JsonSerializer.Serialize(text);

    /// <summary>Posts a count-tokens body and reads the count from <paramref name="field"/>; any refusal is an error.</summary>
    public static async Task<long> CountAsync(ProviderHttp http, string path, string body, string field, string operation, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body, new UTF8Encoding(false), "application/json");
        using var json = await http.SendJsonAsync(HttpMethod.Post, path, content, operation, cancellationToken).ConfigureAwait(false);
        return json.RootElement.TryGetProperty(field, out var count) && count.ValueKind == JsonValueKind.Number
            ? count.GetInt64()
            : throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", $"{operation}: the answer has no '{field}'.");
    }

    /// <summary>A JSON object of only <paramref name="keep"/>'s properties of <paramref name="json"/>, renamed by the pairs given.</summary>
    public static string Pick(string json, params (string From, string To)[] keep)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (from, to) in keep)
            {
                if (document.RootElement.TryGetProperty(from, out var value))
                {
                    writer.WritePropertyName(to);
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
