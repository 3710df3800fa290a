using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BatchAI.Emulator.Faults;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.Model;
using BatchAI.Emulator.State;
using BatchAI.IO;

namespace BatchAI.Emulator.Gemini;

/// <summary>
/// The Gemini API's batch mode under <c>/v1beta/</c> and <c>/v1/</c>: <c>models/{model}:batchGenerateContent</c>
/// with inline requests or an uploaded JSONL file, the batch as a long-running <c>Operation</c> (get, list, cancel,
/// delete), the Files API with resumable uploads (<c>/upload/…/files</c>) and downloads of generated files. Results
/// come back in input order: inline in the operation, or as a responses file of keyed lines.
/// </summary>
internal sealed class GeminiProtocol(EmulatorStore store, EmulatorOptions options, FaultPlan faults)
{
    public const string Area = "gemini";
    public const long MaxInlineBytes = 20L * 1024 * 1024;
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024;
    private const string FileArea = "gemini-files";
    private const string UploadArea = "gemini-uploads";
    private static readonly string[] Versions = ["v1beta", "v1", "v1alpha"];
    private readonly object _processing = new();

    /// <summary>Whether a request on an ambiguous <c>/v1/</c> path is meant for the Gemini API rather than OpenAI's.</summary>
    public static bool Claims(HttpRequestMessage request, string path) =>
        path.StartsWith("/v1beta/", StringComparison.Ordinal) || path.StartsWith("/v1alpha/", StringComparison.Ordinal)
        || path.StartsWith("/upload/", StringComparison.Ordinal) || path.StartsWith("/download/", StringComparison.Ordinal)
        || (path.StartsWith("/v1/", StringComparison.Ordinal)
            && (path.IndexOf(':') >= 0 || path.StartsWith("/v1/models/", StringComparison.Ordinal)
                || request.Headers.Contains("x-goog-api-key") || Query.Parse(request.RequestUri!).ContainsKey("key")));

    /// <param name="path">The unescaped absolute path, e.g. <c>/v1beta/batches/abc:cancel</c>.</param>
    public async Task<HttpResponseMessage> HandleAsync(HttpRequestMessage request, string path, CancellationToken cancellationToken)
    {
        var segments = path.Trim('/').Split('/');
        var prefix = segments[0] is "upload" or "download" ? segments[0] : null;
        var at = prefix is null ? 0 : 1;
        var version = segments.Length > at ? segments[at] : string.Empty;
        if (Array.IndexOf(Versions, version) < 0)
        {
            return NotFound(path);
        }

        var rest = segments.Skip(at + 1).ToArray();
        var origin = new Uri(request.RequestUri!.GetLeftPart(UriPartial.Authority) + "/");
        var method = request.Method.Method;
        if (prefix == "upload" && rest.Length == 1 && rest[0] == "files" && method == "POST" && Query.Parse(request.RequestUri).TryGetValue("upload_id", out var uploadId))
        {
            // The upload URL is the capability: the start request was the authenticated one.
            return await UploadChunkAsync(request, uploadId, origin, version, cancellationToken).ConfigureAwait(false);
        }

        if (Authenticate(request) is { } refused)
        {
            return refused;
        }

        var collection = rest.Length > 0 ? rest[0] : string.Empty;
        var item = rest.Length > 1 ? rest[1] : string.Empty;
        return (prefix, rest.Length, collection, method) switch
        {
            ("upload", 1, "files", "POST") => await StartUploadAsync(request, origin, version, cancellationToken).ConfigureAwait(false),
            ("download", 2, "files", "GET") when item.EndsWith(":download", StringComparison.Ordinal) => Download(Strip(item, ":download")),
            (null, 2, "models", "POST") when item.EndsWith(":batchGenerateContent", StringComparison.Ordinal)
                => await CreateAsync(request, Strip(item, ":batchGenerateContent"), cancellationToken).ConfigureAwait(false),
            (null, 2, "models", "POST") when item.EndsWith(":countTokens", StringComparison.Ordinal)
                => await CountTokensAsync(request, cancellationToken).ConfigureAwait(false),
            (null, 2, "models", "POST") when item.EndsWith(":generateContent", StringComparison.Ordinal)
                => await GenerateContentAsync(request, Strip(item, ":generateContent"), cancellationToken).ConfigureAwait(false),
            (null, 1, "batches", "GET") => List(request.RequestUri),
            (null, 2, "batches", "GET") => Retrieve(item),
            (null, 2, "batches", "DELETE") => Delete(item),
            (null, 2, "batches", "POST") when item.EndsWith(":cancel", StringComparison.Ordinal) => Cancel(Strip(item, ":cancel")),
            (null, 1, "files", "GET") => ListFiles(request.RequestUri, origin, version),
            (null, 2, "files", "GET") when item.EndsWith(":download", StringComparison.Ordinal) => Download(Strip(item, ":download")),
            (null, 2, "files", "GET") => store.LoadRecord<GeminiFileRecord>(FileArea, item) is { } record ? Responses.Ok(w => GeminiJson.WriteFile(w, record, origin, version)) : NoSuchFile(item),
            (null, 2, "files", "DELETE") => DeleteFile(item),
            _ => NotFound(path),
        };
    }

    private HttpResponseMessage? Authenticate(HttpRequestMessage request)
    {
        var key = request.Headers.TryGetValues("x-goog-api-key", out var values) ? values.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(key) && Query.Parse(request.RequestUri!).TryGetValue("key", out var fromQuery))
        {
            key = fromQuery;
        }

        if (string.IsNullOrEmpty(key))
        {
            return GeminiJson.Error(HttpStatusCode.Forbidden, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
        }

        return options.RequiredApiKey is { } required && !string.Equals(required, key, StringComparison.Ordinal)
            ? GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
            : null;
    }

    private async Task<HttpResponseMessage> CreateAsync(HttpRequestMessage request, string model, CancellationToken cancellationToken)
    {
        if (request.Content?.Headers.ContentLength > MaxInlineBytes)
        {
            return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", string.Format(CultureInfo.InvariantCulture, "Request payload size exceeds the limit: {0} bytes.", MaxInlineBytes));
        }

        JsonDocument body;
        try
        {
            using var stream = RequestBody.Open(request.Content ?? new ByteArrayContent([]), cancellationToken);
            body = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. " + ex.Message);
        }

        using (body)
        {
            var batch = GenerateContentModel.Field(body.RootElement, "batch", "batch");
            if (batch is null || batch.Value.ValueKind != JsonValueKind.Object)
            {
                return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "* BatchGenerateContentRequest.batch: batch is required");
            }

            var displayName = GenerateContentModel.Field(batch.Value, "displayName", "display_name")?.GetString();
            if (string.IsNullOrEmpty(displayName))
            {
                return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "* BatchGenerateContentRequest.batch.display_name: display_name is required");
            }

            var input = GenerateContentModel.Field(batch.Value, "inputConfig", "input_config");
            var fileName = input is { } i ? GenerateContentModel.Field(i, "fileName", "file_name")?.GetString() : null;
            var inline = input is { } j && GenerateContentModel.Field(j, "requests", "requests") is { } r ? GenerateContentModel.Field(r, "requests", "requests") : null;
            if ((fileName is null) == (inline is null))
            {
                return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "* BatchGenerateContentRequest.batch.input_config: exactly one of file_name and requests must be set");
            }

            var record = new GeminiBatchRecord
            {
                Id = Ids.Random(32).ToLowerInvariant(),
                Model = model.StartsWith("models/", StringComparison.Ordinal) ? model.Substring("models/".Length) : model,
                DisplayName = displayName!,
                InputFile = fileName,
                Priority = GenerateContentModel.Field(batch.Value, "priority", "priority") is { } p && long.TryParse(p.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority) ? priority : 0,
                CreatedAtMs = options.Now(),
                ProcessingMs = (long)options.ProcessingTime.TotalMilliseconds,
                ExpiresAfterMs = (long)options.GeminiExpiry.TotalMilliseconds,
                FaultKey = "gemini#" + store.NextSequence(Area).ToString(CultureInfo.InvariantCulture),
            };
            if (faults.BatchExpires(record.FaultKey))
            {
                // An injected expiry: the batch runs out of time just as its processing would end, and returns nothing.
                record.ExpiresAfterMs = record.ProcessingMs;
                record.ProcessingMs++;
            }

            if (fileName is not null)
            {
                var id = fileName.StartsWith("files/", StringComparison.Ordinal) ? fileName.Substring("files/".Length) : fileName;
                if (store.LoadRecord<GeminiFileRecord>(FileArea, id) is null)
                {
                    return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", $"* BatchGenerateContentRequest.batch.input_config.file_name: file {fileName} does not exist or you do not have access to it.");
                }

                record.Total = InputLines.Read(store.DataPath(FileArea, id, ".bin")).Count(l => l.Text.Trim().Length > 0);
            }
            else
            {
                if (inline!.Value.ValueKind != JsonValueKind.Array || inline.Value.GetArrayLength() == 0)
                {
                    return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "* BatchGenerateContentRequest.batch.input_config.requests.requests: at least one request is required");
                }

                record.Total = inline.Value.GetArrayLength();
                WriteInlineRequests(store.DataPath(Area, record.Id, ".requests.jsonl"), inline.Value);
            }

            store.SaveRecord(Area, record.Id, record);
            return Responses.Ok(w => GeminiJson.WriteOperation(w, record, record.CreatedAtMs, null));
        }
    }

    private HttpResponseMessage Retrieve(string id)
    {
        var record = Current(id);
        return record is null ? NoSuchBatch(id) : Responses.Ok(w => GeminiJson.WriteOperation(w, record, options.Now(), InlineResponsesPath(record)));
    }

    private HttpResponseMessage List(Uri uri)
    {
        var query = Query.Parse(uri);
        var size = query.TryGetValue("pageSize", out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? Math.Min(n, 1000) : 50;
        var start = 0;
        if (query.TryGetValue("pageToken", out var token) && token.Length > 0 && !TryReadPageToken(token, out start))
        {
            return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "Invalid page token.");
        }

        var ids = store.ListRecords<GeminiBatchRecord>(Area)
            .OrderByDescending(b => b.CreatedAtMs).ThenBy(b => b.Id, StringComparer.Ordinal)
            .Select(b => b.Id)
            .ToList();
        var page = ids.Skip(start).Take(size).ToList();
        var now = options.Now();
        return Responses.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("operations");
            foreach (var id in page)
            {
                // Listed batches leave out inline responses: a client fetches each batch for those.
                GeminiJson.WriteOperation(w, Current(id)!, now, null);
            }

            w.WriteEndArray();
            if (start + page.Count < ids.Count)
            {
                w.WriteString("nextPageToken", Convert.ToBase64String(Encoding.UTF8.GetBytes((start + page.Count).ToString(CultureInfo.InvariantCulture))));
            }

            w.WriteEndObject();
        });
    }

    private HttpResponseMessage Cancel(string id)
    {
        lock (_processing)
        {
            var record = Current(id);
            if (record is null)
            {
                return NoSuchBatch(id);
            }

            var now = options.Now();
            if (GeminiBatchRecord.IsTerminal(record.StateAt(now)))
            {
                return GeminiJson.Error(HttpStatusCode.BadRequest, "FAILED_PRECONDITION", $"Batch batches/{id} is already in a terminal state ({record.StateAt(now)}) and cannot be cancelled.");
            }

            record.CancelRequestedAtMs = now;
            store.SaveRecord(Area, record.Id, record);
            return Empty();
        }
    }

    private HttpResponseMessage Delete(string id)
    {
        if (!store.DeleteRecord(Area, id))
        {
            return NoSuchBatch(id);
        }

        File.Delete(store.DataPath(Area, id, ".requests.jsonl"));
        File.Delete(store.DataPath(Area, id, ".responses.jsonl"));
        return Empty();
    }

    private async Task<HttpResponseMessage> StartUploadAsync(HttpRequestMessage request, Uri origin, string version, CancellationToken cancellationToken)
    {
        if (!string.Equals(Header(request, "X-Goog-Upload-Protocol"), "resumable", StringComparison.OrdinalIgnoreCase)
            || !string.Equals(Header(request, "X-Goog-Upload-Command"), "start", StringComparison.OrdinalIgnoreCase))
        {
            return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "The emulator takes resumable uploads: X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start.");
        }

        var session = new GeminiUploadSession { Id = Ids.Random(40), MimeType = Header(request, "X-Goog-Upload-Header-Content-Type") ?? "application/octet-stream" };
        if (long.TryParse(Header(request, "X-Goog-Upload-Header-Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var declared))
        {
            if (declared > MaxFileBytes)
            {
                return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "The file is larger than 2 GB, the most an input file may hold.");
            }

            session.DeclaredBytes = declared;
        }

        if (request.Content is not null)
        {
            var text = await request.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (text.Trim().Length > 0)
            {
                using var json = JsonDocument.Parse(text);
                if (GenerateContentModel.Field(json.RootElement, "file", "file") is { } file)
                {
                    session.DisplayName = GenerateContentModel.Field(file, "displayName", "display_name")?.GetString() ?? string.Empty;
                    session.MimeType = GenerateContentModel.Field(file, "mimeType", "mime_type")?.GetString() ?? session.MimeType;
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        File.WriteAllBytes(store.DataPath(UploadArea, session.Id, ".bin"), []);
        store.SaveRecord(UploadArea, session.Id, session);
        var response = Responses.Mark(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) });
        response.Headers.TryAddWithoutValidation("x-goog-upload-url", new Uri(origin, $"/upload/{version}/files?upload_id={session.Id}&upload_protocol=resumable").AbsoluteUri);
        response.Headers.TryAddWithoutValidation("x-goog-upload-status", "active");
        response.Headers.TryAddWithoutValidation("x-goog-upload-chunk-granularity", "8388608");
        return response;
    }

    private async Task<HttpResponseMessage> UploadChunkAsync(HttpRequestMessage request, string uploadId, Uri origin, string version, CancellationToken cancellationToken)
    {
        var session = store.LoadRecord<GeminiUploadSession>(UploadArea, uploadId);
        if (session is null)
        {
            return GeminiJson.Error(HttpStatusCode.NotFound, "NOT_FOUND", "The upload session does not exist or has already been finalized.");
        }

        var command = (Header(request, "X-Goog-Upload-Command") ?? string.Empty).ToLowerInvariant();
        var offset = long.TryParse(Header(request, "X-Goog-Upload-Offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : -1;
        var data = store.DataPath(UploadArea, session.Id, ".bin");
        if (command.Contains("upload"))
        {
            if (offset != session.ReceivedBytes)
            {
                return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", string.Format(CultureInfo.InvariantCulture, "X-Goog-Upload-Offset {0} does not match the {1} bytes received so far.", offset, session.ReceivedBytes));
            }

            using (var target = new FileStream(data, FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            using (var body = RequestBody.Open(request.Content ?? new ByteArrayContent([]), cancellationToken))
            {
                await body.CopyToAsync(target, 1 << 16, cancellationToken).ConfigureAwait(false);
            }

            session.ReceivedBytes = new FileInfo(data).Length;
            if (session.ReceivedBytes > MaxFileBytes)
            {
                store.DeleteRecord(UploadArea, session.Id);
                File.Delete(data);
                return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "The file is larger than 2 GB, the most an input file may hold.");
            }

            store.SaveRecord(UploadArea, session.Id, session);
        }

        if (!command.Contains("finalize"))
        {
            var active = Responses.Mark(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) });
            active.Headers.TryAddWithoutValidation("x-goog-upload-status", "active");
            return active;
        }

        var file = new GeminiFileRecord
        {
            Id = Ids.Random(12).ToLowerInvariant(),
            DisplayName = session.DisplayName,
            MimeType = session.MimeType,
            SizeBytes = session.ReceivedBytes,
            CreatedAtMs = options.Now(),
            Sha256 = Sha256Of(data),
            Source = "UPLOADED",
        };
        AtomicFile.MoveIntoPlace(data, store.DataPath(FileArea, file.Id, ".bin"));
        store.SaveRecord(FileArea, file.Id, file);
        store.DeleteRecord(UploadArea, session.Id);
        var response = Responses.Ok(w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("file");
            GeminiJson.WriteFile(w, file, origin, version);
            w.WriteEndObject();
        });
        response.Headers.TryAddWithoutValidation("x-goog-upload-status", "final");
        return response;
    }

    private HttpResponseMessage ListFiles(Uri uri, Uri origin, string version)
    {
        var query = Query.Parse(uri);
        var size = query.TryGetValue("pageSize", out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? Math.Min(n, 100) : 10;
        var start = query.TryGetValue("pageToken", out var token) && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        var files = store.ListRecords<GeminiFileRecord>(FileArea).OrderByDescending(f => f.CreatedAtMs).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
        var page = files.Skip(start).Take(size).ToList();
        return Responses.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("files");
            foreach (var file in page)
            {
                GeminiJson.WriteFile(w, file, origin, version);
            }

            w.WriteEndArray();
            if (start + page.Count < files.Count)
            {
                w.WriteString("nextPageToken", (start + page.Count).ToString(CultureInfo.InvariantCulture));
            }

            w.WriteEndObject();
        });
    }

    private HttpResponseMessage Download(string id)
    {
        var file = store.LoadRecord<GeminiFileRecord>(FileArea, id);
        if (file is null)
        {
            return NoSuchFile(id);
        }

        return file.Source == "GENERATED"
            ? Responses.File(store.DataPath(FileArea, id, ".bin"), "application/jsonl")
            : GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", $"files/{id} was uploaded; only generated files can be downloaded.");
    }

    private HttpResponseMessage DeleteFile(string id)
    {
        if (!store.DeleteRecord(FileArea, id))
        {
            return NoSuchFile(id);
        }

        File.Delete(store.DataPath(FileArea, id, ".bin"));
        return Empty();
    }

    /// <summary><c>models/{model}:countTokens</c>: <c>contents</c>, or a whole <c>generateContentRequest</c> (system instruction included).</summary>
    private static async Task<HttpResponseMessage> CountTokensAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (_, body) = await RequestBody.ReadJsonAsync(request.Content, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received.");
        }

        using (body)
        {
            var root = body.RootElement;
            var content = GenerateContentModel.Field(root, "generateContentRequest", "generate_content_request") ?? root;
            var messages = new List<ModelMessage>();
            if (GenerateContentModel.Field(content, "systemInstruction", "system_instruction") is { } system)
            {
                messages.Add(new ModelMessage("system", GenerateContentModel.PartsText(system)));
            }

            if (GenerateContentModel.Field(content, "contents", "contents") is { ValueKind: JsonValueKind.Array } contents)
            {
                messages.AddRange(contents.EnumerateArray().Select(c => new ModelMessage("user", GenerateContentModel.PartsText(c))));
            }

            var tokens = EmulatedModel.PromptTokens(messages);
            return Responses.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("totalTokens", tokens);
                w.WriteEndObject();
            });
        }
    }

    /// <summary><c>models/{model}:generateContent</c>: the synchronous call, the same emulated model answered at once.</summary>
    private static async Task<HttpResponseMessage> GenerateContentAsync(HttpRequestMessage request, string model, CancellationToken cancellationToken)
    {
        var (text, body) = await RequestBody.ReadJsonAsync(request.Content, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received.");
        }

        using (body)
        {
            var seed = "sync-" + Ids.Stable(text).ToString(CultureInfo.InvariantCulture);
            var answer = GenerateContentModel.Answer(model, seed, body.RootElement);
            return answer.Rejection is { } rejection
                ? GeminiJson.Error(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", rejection.Message)
                : Responses.Ok(w => GeminiJson.WriteResponse(w, answer, Ids.Derived(seed, 20)));
        }
    }

    /// <summary>The batch as of now, after running its requests if it has finished running by now.</summary>
    private GeminiBatchRecord? Current(string id)
    {
        lock (_processing)
        {
            var record = store.LoadRecord<GeminiBatchRecord>(Area, id);
            var now = options.Now();
            if (record is not null && record.Outcome is null && record.CancelRequestedAtMs is null
                && record.ProcessingMs <= record.ExpiresAfterMs && now >= record.CreatedAtMs + record.ProcessingMs)
            {
                record.Outcome = Process(record);
                store.SaveRecord(Area, record.Id, record);
            }

            return record;
        }
    }

    /// <summary>Runs every request in input order; an inline batch keeps its responses for the operation, a file batch gets a responses file.</summary>
    private GeminiOutcome Process(GeminiBatchRecord record)
    {
        var outcome = new GeminiOutcome { EndedAtMs = record.CreatedAtMs + record.ProcessingMs };
        var inline = record.InputFile is null;
        var source = inline ? store.DataPath(Area, record.Id, ".requests.jsonl") : store.DataPath(FileArea, FileIdOf(record.InputFile!), ".bin");
        var target = inline ? store.DataPath(Area, record.Id, ".responses.jsonl") : store.DataPath(FileArea, "batch-" + record.Id, ".bin");
        var temp = AtomicFile.TempPathFor(target);
        using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new Utf8JsonWriter(output))
        {
            foreach (var line in InputLines.Read(source))
            {
                if (line.Text.Trim().Length == 0)
                {
                    continue;
                }

                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(line.Text);
                }
                catch (JsonException)
                {
                    File.Delete(temp);
                    return new GeminiOutcome { EndedAtMs = outcome.EndedAtMs, Error = string.Format(CultureInfo.InvariantCulture, "Line {0} of {1} is not valid JSON.", line.Number, record.InputFile) };
                }

                using (document)
                {
                    WriteAnswer(writer, record, document.RootElement, inline, line.Number, outcome, faults);
                }

                writer.Flush();
                output.WriteByte((byte)'\n');
                writer.Reset(output);
            }
        }

        AtomicFile.MoveIntoPlace(temp, target);
        if (!inline)
        {
            var file = new GeminiFileRecord
            {
                Id = "batch-" + record.Id,
                DisplayName = "Batch " + record.Id + " results",
                MimeType = "application/jsonl",
                SizeBytes = new FileInfo(target).Length,
                CreatedAtMs = outcome.EndedAtMs,
                Sha256 = Sha256Of(target),
                Source = "GENERATED",
            };
            store.SaveRecord(FileArea, file.Id, file);
            outcome.ResponsesFile = "files/" + file.Id;
        }

        return outcome;
    }

    /// <summary>
    /// One response line: an inline response echoes the request's <c>metadata</c>; a file line echoes its <c>key</c>
    /// (a bare request line, without a key, gets none back).
    /// </summary>
    private static void WriteAnswer(Utf8JsonWriter writer, GeminiBatchRecord record, JsonElement item, bool inline, int lineNumber, GeminiOutcome outcome, FaultPlan faults)
    {
        var keyed = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("request", out _);
        var request = keyed ? item.GetProperty("request") : item;
        var key = inline
            ? (item.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("key", out var k) ? k.ToString() : null)
            : keyed && item.TryGetProperty("key", out var fk) ? fk.ToString() : null;
        var seed = key ?? lineNumber.ToString(CultureInfo.InvariantCulture);
        var answer = GenerateContentModel.Answer(record.Model, seed, request);
        writer.WriteStartObject();
        if (inline && item.TryGetProperty("metadata", out var metadata))
        {
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
        }
        else if (!inline && key is not null)
        {
            writer.WriteString("key", key);
        }

        var fate = faults.Fate(record.FaultKey ?? record.Id, seed, perRequestExpiry: false);
        if (fate == RequestFate.PermanentError)
        {
            writer.WritePropertyName("error");
            GeminiJson.WriteStatus(writer, 3, "Request contains an invalid argument. (The emulator was told to find this request invalid: an injected fault.)");
            outcome.Failed++;
        }
        else if (fate == RequestFate.RetryableError)
        {
            writer.WritePropertyName("error");
            GeminiJson.WriteStatus(writer, 13, "Internal error encountered.");
            outcome.Failed++;
        }
        else if (answer.Rejection is { } rejection)
        {
            writer.WritePropertyName("error");
            GeminiJson.WriteStatus(writer, 3, rejection.Message);
            outcome.Failed++;
        }
        else
        {
            writer.WritePropertyName("response");
            GeminiJson.WriteResponse(writer, answer, Ids.Derived(record.Id + "|" + seed, 20));
            outcome.Succeeded++;
        }

        writer.WriteEndObject();
    }

    private static void WriteInlineRequests(string path, JsonElement requests)
    {
        var temp = AtomicFile.TempPathFor(path);
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new Utf8JsonWriter(file))
        {
            foreach (var item in requests.EnumerateArray())
            {
                item.WriteTo(writer);
                writer.Flush();
                file.WriteByte((byte)'\n');
                writer.Reset(file);
            }
        }

        AtomicFile.MoveIntoPlace(temp, path);
    }

    private string? InlineResponsesPath(GeminiBatchRecord record) =>
        record.InputFile is null && record.Outcome is { Error: null } ? store.DataPath(Area, record.Id, ".responses.jsonl") : null;

    private static bool TryReadPageToken(string token, out int start)
    {
        start = 0;
        try
        {
            return int.TryParse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), NumberStyles.None, CultureInfo.InvariantCulture, out start);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Strip(string text, string suffix) => text.Substring(0, text.Length - suffix.Length);

    private static string FileIdOf(string name) => name.StartsWith("files/", StringComparison.Ordinal) ? name.Substring("files/".Length) : name;

    private static string Sha256Of(string path)
    {
        using var sha = SHA256.Create();
        using var stream = File.OpenRead(path);
        return Convert.ToBase64String(sha.ComputeHash(stream));
    }

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : request.Content?.Headers.TryGetValues(name, out var content) == true ? content.FirstOrDefault() : null;

    private static HttpResponseMessage Empty() => Responses.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteEndObject();
    });

    private static HttpResponseMessage NotFound(string path) =>
        GeminiJson.Error(HttpStatusCode.NotFound, "NOT_FOUND", $"The requested URL {path} was not found on this server.");

    private static HttpResponseMessage NoSuchBatch(string id) =>
        GeminiJson.Error(HttpStatusCode.NotFound, "NOT_FOUND", $"Requested entity was not found: batches/{id}.");

    private static HttpResponseMessage NoSuchFile(string id) =>
        GeminiJson.Error(HttpStatusCode.NotFound, "NOT_FOUND", $"Requested entity was not found: files/{id}.");
}
