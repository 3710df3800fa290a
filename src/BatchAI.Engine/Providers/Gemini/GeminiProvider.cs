using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using BatchAI.Providers.Http;
using BatchAI.IO;
using BatchAI.Requests;

namespace BatchAI.Providers.Gemini;

/// <summary>
/// The Gemini API's batch mode: a part's lines are keyed <c>{"key", "request"}</c> lines. A part under the inline
/// limit goes inline in the create call (each as <c>{"request", "metadata": {"key"}}</c>); a larger one is uploaded
/// with the Files API's resumable protocol in 8 MiB chunks and named by <c>fileName</c>. The batch is a long-running
/// operation; its results come back inline or as a responses file, keyed either way.
/// </summary>
internal sealed class GeminiProvider(ProviderHttp http, string apiVersion, IDisposable? owned = null) : IBatchProvider
{
    /// <summary>The whole create request must stay under 20 MB to go inline; this leaves room for the wrapper.</summary>
    public const long MaxInlineBytes = 19_000_000;

    public const string ResponsesFile = "responses_file";
    public const string InlineResponses = "inline_responses";
    private const int ChunkSize = 8 * 1024 * 1024;

    /// <summary>No request count is documented; 100,000 keeps parts and their inline or file results manageable. 2 GB per input file.</summary>
    /// <summary>3,000,000 enqueued tokens: Tier 1's limit for Gemini 2.5 Flash, the lowest documented.</summary>
    public static readonly ProviderLimits DefaultLimits = new(100_000, 2_000_000_000) { MaxQueuedTokens = 3_000_000 };

    private readonly Dictionary<string, string> _schemas = new(StringComparer.Ordinal);

    public ProviderKind Kind => ProviderKind.Gemini;

    public ProviderLimits Limits { get; init; } = DefaultLimits;

    /// <summary>Parts smaller than this go inline; larger ones are uploaded as a file.</summary>
    public long InlineLimit { get; init; } = MaxInlineBytes;

    public RecordProblem? Check(BatchRequest request) => null;

    public void WriteRequestLine(JsonLine line, BatchRequest request)
    {
        line.StartObject();
        line.Text(Names.Key, request.CustomId);
        line.StartObject(Names.Request);
        line.StartArray(Names.Contents);
        line.StartObject();
        line.Text(Names.Role, "user");
        WriteParts(line, request.Prompt);
        line.EndObject();
        line.EndArray();
        if (request.SystemPrompt is { } system)
        {
            line.StartObject(Names.SystemInstruction);
            WriteParts(line, system);
            line.EndObject();
        }

        if (request.MaxOutputTokens is not null || request.Temperature is not null || request.Schema is not null)
        {
            line.StartObject(Names.GenerationConfig);
            if (request.MaxOutputTokens is { } max)
            {
                line.Number(Names.MaxOutputTokens, max);
            }

            if (request.Temperature is { } temperature)
            {
                line.Number(Names.Temperature, temperature);
            }

            if (request.Schema is { } schema)
            {
                line.Text(Names.ResponseMimeType, "application/json");
                line.Raw(Names.ResponseSchema, GeminiSchemaOf(schema));
            }

            line.EndObject();
        }

        line.EndObject();
        line.EndObject();
    }

    public async Task<RemoteBatch> SubmitAsync(PartSubmission part, Action<string> onUploaded, CancellationToken cancellationToken)
    {
        var displayName = DisplayNamePrefix(part) + string.Format(CultureInfo.InvariantCulture, "{0}{1}", part.PartCount, string.IsNullOrEmpty(part.JobName) ? string.Empty : " " + part.JobName);
        var inline = part.UploadedFileId is null && part.Bytes + (part.Requests * 24L) < InlineLimit;
        var fileName = part.UploadedFileId;
        if (!inline && fileName is null)
        {
            fileName = await UploadAsync(part.FilePath, displayName, cancellationToken).ConfigureAwait(false);
            onUploaded(fileName);
        }

        var content = ProviderHttp.JsonContent(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("batch");
            writer.WriteString("displayName", displayName);
            writer.WriteStartObject("inputConfig");
            if (fileName is not null)
            {
                writer.WriteString("fileName", fileName);
            }
            else
            {
                writer.WriteStartObject("requests");
                writer.WriteStartArray("requests");
                WriteInlineRequests(writer, part.FilePath);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        var model = part.Model.StartsWith("models/", StringComparison.Ordinal) ? part.Model : "models/" + part.Model;
        using var json = await http.SendJsonAsync(HttpMethod.Post, $"{apiVersion}/{model}:batchGenerateContent", content, $"Creating a Gemini batch from part {part.PartIndex} of job {part.JobId}", cancellationToken, createsBatch: true).ConfigureAwait(false);
        return GeminiBatch.ToRemote(json.RootElement);
    }

    public bool CanFindSubmitted => true;

    /// <summary>Finds the batch by the display name every submit gives it (<c>batchai &lt;job&gt; part &lt;n&gt;/…</c>).</summary>
    public async Task<RemoteBatch?> FindSubmittedAsync(PartSubmission part, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var prefix = DisplayNamePrefix(part);
        string? token = null;
        for (var page = 0; page < 20; page++)
        {
            var path = $"{apiVersion}/batches?pageSize=100" + (token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token));
            using var json = await http.SendJsonAsync(HttpMethod.Get, path, null, "Listing Gemini batches", cancellationToken).ConfigureAwait(false);
            var root = json.RootElement;
            var newerSeen = false;
            if (root.TryGetProperty("operations", out var operations) && operations.ValueKind == JsonValueKind.Array)
            {
                foreach (var operation in operations.EnumerateArray())
                {
                    var metadata = operation.ObjectOrDefault("metadata");
                    if (DateTimeOffset.TryParse(metadata.StringOrNull("createTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) && created < since)
                    {
                        continue;
                    }

                    newerSeen = true;
                    if (metadata.StringOrNull("displayName") is { } name && name.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return GeminiBatch.ToRemote(operation);
                    }
                }
            }

            token = root.StringOrNull("nextPageToken");
            if (token is null || !newerSeen)
            {
                return null;
            }
        }

        return null;
    }

    private static string DisplayNamePrefix(PartSubmission part) =>
        string.Format(CultureInfo.InvariantCulture, "batchai {0} part {1}/", part.JobId, part.PartIndex);

    /// <summary><c>models/{model}:countTokens</c> with the whole request (system instruction included).</summary>
    public Task<long> CountTokensAsync(BatchRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model.StartsWith("models/", StringComparison.Ordinal) ? request.Model : "models/" + request.Model;
        var inner = SyncCall.Pick(SyncCall.Body(this, request, "request"), ("contents", "contents"), ("systemInstruction", "systemInstruction"));
        var body = "{\"generateContentRequest\":{\"model\":" + SyncCall.Quote(model) + "," + inner.Substring(1) + "}";
        return SyncCall.CountAsync(http, $"{apiVersion}/{model}:countTokens", body, "totalTokens", $"Counting the tokens of {request.CustomId}", cancellationToken);
    }

    /// <summary><c>models/{model}:generateContent</c>, read as the batch response it would have been.</summary>
    public async Task<ResultLine> SendNowAsync(BatchRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model.StartsWith("models/", StringComparison.Ordinal) ? request.Model : "models/" + request.Model;
        var (status, json, _) = await SyncCall.PostAsync(http, $"{apiVersion}/{model}:generateContent", SyncCall.Body(this, request, "request"), $"Calling Gemini for {request.CustomId}", cancellationToken).ConfigureAwait(false);
        using var answer = JsonDocument.Parse(status == 200
            ? "{\"response\":" + json + "}"
            : "{\"error\":" + (JsonDocument.Parse(json).RootElement.TryGetProperty("error", out var error) ? error.GetRawText() : json) + "}");
        return GeminiResultParser.Parse(answer.RootElement, request.CustomId, SyncCall.BatchId);
    }

    public async Task<RemoteBatch> GetAsync(string batchId, CancellationToken cancellationToken)
    {
        using var json = await http.SendJsonAsync(HttpMethod.Get, $"{apiVersion}/{batchId}", null, $"Reading Gemini batch {batchId}", cancellationToken).ConfigureAwait(false);
        return GeminiBatch.ToRemote(json.RootElement);
    }

    /// <summary>Cancel answers <c>{}</c>; the batch is read again to report where it now stands.</summary>
    public async Task<RemoteBatch> CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        using (await http.SendJsonAsync(HttpMethod.Post, $"{apiVersion}/{batchId}:cancel", null, $"Canceling Gemini batch {batchId}", cancellationToken).ConfigureAwait(false))
        {
        }

        return await GetAsync(batchId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The uploaded input file and the generated responses file (files/…); inline batches have none.</summary>
    public async Task<int> DeleteFilesAsync(RemoteBatch batch, string? inputFileId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var files = new[] { inputFileId, batch.ResultLocations.TryGetValue(ResponsesFile, out var responses) ? responses : null };
        foreach (var name in files.Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.Ordinal))
        {
            if (await http.DeleteAsync($"{apiVersion}/{name}", $"Deleting {name}", cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return deleted;
    }

    public async IAsyncEnumerable<ResultLine> ReadResultsAsync(RemoteBatch batch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (batch.ResultLocations.TryGetValue(ResponsesFile, out var file))
        {
            await foreach (var line in http.ReadLinesAsync($"{apiVersion}/{file}:download?alt=media", $"Downloading {file} (results of Gemini batch {batch.Id})", cancellationToken).ConfigureAwait(false))
            {
                using var document = ResultLines.Parse(line, batch.Id);
                yield return GeminiResultParser.Parse(document.RootElement, document.RootElement.StringOrNull("key"), batch.Id);
            }
        }
        else if (batch.ResultLocations.ContainsKey(InlineResponses))
        {
            // Inline responses live in the operation itself (its input was under 20 MB).
            using var json = await http.SendJsonAsync(HttpMethod.Get, $"{apiVersion}/{batch.Id}", null, $"Reading the results of Gemini batch {batch.Id}", cancellationToken).ConfigureAwait(false);
            foreach (var response in GeminiBatch.InlineResponses(json.RootElement))
            {
                var key = response.ObjectOrDefault("metadata").StringOrNull("key");
                yield return GeminiResultParser.Parse(response, key, batch.Id);
            }
        }
    }

    public void Dispose() => owned?.Dispose();

    private static void WriteParts(JsonLine line, string text)
    {
        line.StartArray(Names.Parts);
        line.StartObject();
        line.Text(Names.Text, text);
        line.EndObject();
        line.EndArray();
    }

    /// <summary>The request line's property names, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonName Key = JsonName.Of("key");
        public static readonly JsonName Request = JsonName.Of("request");
        public static readonly JsonName Contents = JsonName.Of("contents");
        public static readonly JsonName Role = JsonName.Of("role");
        public static readonly JsonName SystemInstruction = JsonName.Of("systemInstruction");
        public static readonly JsonName GenerationConfig = JsonName.Of("generationConfig");
        public static readonly JsonName MaxOutputTokens = JsonName.Of("maxOutputTokens");
        public static readonly JsonName Temperature = JsonName.Of("temperature");
        public static readonly JsonName ResponseMimeType = JsonName.Of("responseMimeType");
        public static readonly JsonName ResponseSchema = JsonName.Of("responseSchema");
        public static readonly JsonName Parts = JsonName.Of("parts");
        public static readonly JsonName Text = JsonName.Of("text");
    }

    /// <summary>Each part line <c>{"key", "request"}</c> as an inline request <c>{"request", "metadata": {"key"}}</c>.</summary>
    private static void WriteInlineRequests(Utf8JsonWriter writer, string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            writer.WriteStartObject();
            writer.WritePropertyName("request");
            document.RootElement.GetProperty("request").WriteTo(writer);
            writer.WriteStartObject("metadata");
            writer.WriteString("key", document.RootElement.GetProperty("key").GetString());
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    private string GeminiSchemaOf(ResponseSchema schema)
    {
        if (!_schemas.TryGetValue(schema.Id, out var converted))
        {
            using var document = JsonDocument.Parse(schema.Json);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                GeminiSchema.Write(writer, document.RootElement);
            }

            converted = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            _schemas[schema.Id] = converted;
        }

        return converted;
    }

    /// <summary>The Files API's resumable upload: a start call announces the file, then 8 MiB chunks, the last one finalizing.</summary>
    private async Task<string> UploadAsync(string path, string displayName, CancellationToken cancellationToken)
    {
        var size = new FileInfo(path).Length;
        var start = ProviderHttp.JsonContent(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("file");
            writer.WriteString("displayName", displayName);
            writer.WriteString("mimeType", "application/jsonl");
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        using var startRequest = new HttpRequestMessage(HttpMethod.Post, $"upload/{apiVersion}/files") { Content = start };
        startRequest.Headers.TryAddWithoutValidation("X-Goog-Upload-Protocol", "resumable");
        startRequest.Headers.TryAddWithoutValidation("X-Goog-Upload-Command", "start");
        startRequest.Headers.TryAddWithoutValidation("X-Goog-Upload-Header-Content-Length", size.ToString(CultureInfo.InvariantCulture));
        startRequest.Headers.TryAddWithoutValidation("X-Goog-Upload-Header-Content-Type", "application/jsonl");
        string uploadUrl;
        using (var response = await http.Client.SendAsync(startRequest, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await http.ErrorAsync(response, $"Starting the upload of {Path.GetFileName(path)}").ConfigureAwait(false);
            }

            uploadUrl = response.Headers.TryGetValues("x-goog-upload-url", out var urls) ? urls.First()
                : throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", "The Gemini Files API started an upload without an x-goog-upload-url.");
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = new byte[(int)Math.Min(ChunkSize, Math.Max(1, size))];
        long offset = 0;
        while (true)
        {
            var read = 0;
            int got;
            while (read < buffer.Length && (got = await file.ReadAsync(buffer, read, buffer.Length - read, cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += got;
            }

            var last = offset + read >= size;
            using var chunk = new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = new ByteArrayContent(buffer, 0, read) };
            chunk.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
            chunk.Headers.TryAddWithoutValidation("X-Goog-Upload-Command", last ? "upload, finalize" : "upload");
            chunk.Headers.TryAddWithoutValidation("X-Goog-Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            using var response = await http.Client.SendAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (!last)
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw await http.ErrorAsync(response, $"Uploading {Path.GetFileName(path)} at byte {offset:N0}").ConfigureAwait(false);
                }

                offset += read;
                continue;
            }

            using var json = await http.ReadJsonAsync(response, $"Finishing the upload of {Path.GetFileName(path)}", cancellationToken).ConfigureAwait(false);
            return ProviderHttp.Required(json.RootElement.ObjectOrDefault("file"), "name", "file upload");
        }
    }
}
