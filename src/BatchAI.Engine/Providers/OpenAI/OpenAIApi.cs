using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using BatchAI.Providers.Http;

namespace BatchAI.Providers.OpenAI;

/// <summary>The OpenAI Files and Batches endpoints that BatchAI uses, over the redacting, retrying pipeline.</summary>
internal sealed class OpenAIApi(HttpClient http, SecretRedactor redactor, string providerName = "OpenAI")
{
    public async Task<string> UploadBatchFileAsync(string path, string filename, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent("batchai-" + Guid.NewGuid().ToString("N"));
        form.Add(new StringContent("batch"), "purpose");
        form.Add(new FileUploadContent(path, "application/jsonl"), "file", filename);
        using var response = await http.PostAsync("files", form, cancellationToken).ConfigureAwait(false);
        using var json = await ReadJsonAsync(response, $"Uploading {filename}", cancellationToken).ConfigureAwait(false);
        return Required(json.RootElement, "id", "file upload");
    }

    public async Task<OpenAIBatch> CreateBatchAsync(string inputFileId, string endpoint, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("input_file_id", inputFileId);
            writer.WriteString("endpoint", endpoint);
            writer.WriteString("completion_window", "24h");
            writer.WriteStartObject("metadata");
            foreach (var pair in metadata)
            {
                writer.WriteString(pair.Key, pair.Value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync("batches", content, cancellationToken).ConfigureAwait(false);
        using var json = await ReadJsonAsync(response, $"Creating a batch from {inputFileId}", cancellationToken).ConfigureAwait(false);
        return OpenAIBatch.Parse(json.RootElement);
    }

    public async Task<OpenAIBatch> GetBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("batches/" + Uri.EscapeDataString(batchId), cancellationToken).ConfigureAwait(false);
        using var json = await ReadJsonAsync(response, $"Reading batch {batchId}", cancellationToken).ConfigureAwait(false);
        return OpenAIBatch.Parse(json.RootElement);
    }

    public async Task<OpenAIBatch> CancelBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync("batches/" + Uri.EscapeDataString(batchId) + "/cancel", null, cancellationToken).ConfigureAwait(false);
        using var json = await ReadJsonAsync(response, $"Canceling batch {batchId}", cancellationToken).ConfigureAwait(false);
        return OpenAIBatch.Parse(json.RootElement);
    }

    /// <summary>The lines of a file, streamed: only the current line is in memory.</summary>
    public async IAsyncEnumerable<string> ReadFileLinesAsync(string fileId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "files/" + Uri.EscapeDataString(fileId) + "/content");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, $"Downloading file {fileId}").ConfigureAwait(false);
        }

        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        string? line;
        while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    private static string Required(JsonElement element, string property, string what) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", $"The {what} answer has no '{property}'.");

    private async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
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

    /// <summary>Turns an error answer into an exception naming the operation and quoting the provider's message, redacted.</summary>
    private async Task<ProviderException> ErrorAsync(HttpResponseMessage response, string operation)
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
                code = error.StringOrNull("code") ?? error.StringOrNull("type");
            }
        }
        catch (JsonException)
        {
            // A gateway's HTML error page: quote its start below.
        }

        message ??= body.Length > 200 ? body.Substring(0, 200) + "…" : body;
        var status = (int)response.StatusCode;
        var hint = response.StatusCode == HttpStatusCode.Unauthorized ? " Check the API key (OPENAI_API_KEY or -ApiKey / --api-key)." : string.Empty;
        return new ProviderException(response.StatusCode, code, redactor.Redact($"{operation} failed: {providerName} answered {status} {response.ReasonPhrase}: {message}{hint}"));
    }
}
