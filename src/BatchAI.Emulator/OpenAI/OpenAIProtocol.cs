using System.Globalization;
using System.Net;
using System.Text.Json;
using BatchAI.Emulator.Faults;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.State;
using BatchAI.IO;

namespace BatchAI.Emulator.OpenAI;

/// <summary>
/// OpenAI's Files and Batches endpoints (<c>/v1/files…</c>, <c>/v1/batches…</c>) with the real service's shapes,
/// status values, validation, errors and list pagination. Only <c>/v1/chat/completions</c> batches can be created:
/// that is the endpoint the emulated model answers.
/// </summary>
internal sealed class OpenAIProtocol(EmulatorStore store, EmulatorOptions options, OpenAIFlavor flavor, FaultPlan faults)
{
    public const string ChatCompletions = "/v1/chat/completions";
    private const long MaxUploadBytes = 512L * 1024 * 1024;
    private static readonly string[] UploadPurposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];
    private static readonly string[] BatchEndpoints = ["/v1/responses", ChatCompletions, "/v1/embeddings", "/v1/completions", "/v1/moderations", "/v1/images/generations", "/v1/images/edits", "/v1/videos"];
    private readonly object _processing = new();

    /// <param name="path">The path after <c>/v1/</c>, without a trailing slash, e.g. <c>batches/batch_1/cancel</c>.</param>
    public async Task<HttpResponseMessage> HandleAsync(HttpRequestMessage request, string path, CancellationToken cancellationToken)
    {
        if (Authenticate(request) is { } unauthorized)
        {
            return unauthorized;
        }

        var segments = path.Split('/');
        var method = request.Method.Method;
        return (segments.Length, segments[0], method) switch
        {
            (1, "files", "POST") => await UploadAsync(request, cancellationToken).ConfigureAwait(false),
            (1, "files", "GET") => ListFiles(request.RequestUri!),
            (2, "files", "GET") => RetrieveFile(segments[1]),
            (2, "files", "DELETE") => DeleteFile(segments[1]),
            (3, "files", "GET") when segments[2] == "content" => FileContent(segments[1]),
            (1, "batches", "POST") => await CreateBatchAsync(request, cancellationToken).ConfigureAwait(false),
            (1, "batches", "GET") => ListBatches(request.RequestUri!),
            (2, "batches", "GET") => RetrieveBatch(segments[1]),
            (3, "batches", "POST") when segments[2] == "cancel" => CancelBatch(segments[1]),
            (2, "chat", "POST") when segments[1] == "completions" => await ChatCompletionAsync(request, cancellationToken).ConfigureAwait(false),
            (2, "responses", "POST") when segments[1] == "input_tokens" => await CountInputTokensAsync(request, cancellationToken).ConfigureAwait(false),
            _ => InvalidUrl(request),
        };
    }

    /// <summary>The synchronous endpoint: the same emulated model, answered at once (the rate limit is checked before this).</summary>
    private async Task<HttpResponseMessage> ChatCompletionAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (text, body) = await RequestBody.ReadJsonAsync(request.Content, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Responses.OpenAIError(HttpStatusCode.BadRequest, "We could not parse the JSON body of your request.", "invalid_request_error");
        }

        using (body)
        {
            var seed = "sync-" + Ids.Stable(text).ToString(CultureInfo.InvariantCulture);
            var answer = Model.EmulatedModel.Answer(seed, body.RootElement);
            if (answer.Rejection is { } rejection)
            {
                return Responses.OpenAIError(HttpStatusCode.BadRequest, rejection.Message, "invalid_request_error", rejection.Param, rejection.Code);
            }

            var created = OpenAIJson.Seconds(options.Now());
            return Responses.Ok(w => BatchProcessor.WriteChatCompletion(w, Ids.Derived(seed + created.ToString(CultureInfo.InvariantCulture), 24), answer, created, flavor.ContentFilterResults));
        }
    }

    /// <summary><c>POST /v1/responses/input_tokens</c>: what <c>input</c> and <c>instructions</c> would count as.</summary>
    private static async Task<HttpResponseMessage> CountInputTokensAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (_, body) = await RequestBody.ReadJsonAsync(request.Content, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Responses.OpenAIError(HttpStatusCode.BadRequest, "We could not parse the JSON body of your request.", "invalid_request_error");
        }

        using (body)
        {
            var root = body.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
            {
                return Responses.OpenAIError(HttpStatusCode.BadRequest, "Missing required parameter: 'model'.", "invalid_request_error", "model", "missing_required_parameter");
            }

            var messages = new List<Model.ModelMessage>();
            if (root.TryGetProperty("instructions", out var instructions) && instructions.ValueKind == JsonValueKind.String)
            {
                messages.Add(new Model.ModelMessage("system", instructions.GetString()!));
            }

            if (root.TryGetProperty("input", out var input))
            {
                messages.AddRange(input.ValueKind == JsonValueKind.String
                    ? [new Model.ModelMessage("user", input.GetString()!)]
                    : input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().Select(i => new Model.ModelMessage(i.TryGetProperty("role", out var r) ? r.GetString() ?? "user" : "user", i.TryGetProperty("content", out var c) ? Model.EmulatedModel.ContentText(c) : string.Empty)) : []);
            }

            var tokens = Model.EmulatedModel.PromptTokens(messages);
            return Responses.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteString("object", "response.input_tokens");
                w.WriteNumber("input_tokens", tokens);
                w.WriteEndObject();
            });
        }
    }

    internal static HttpResponseMessage InvalidUrl(HttpRequestMessage request) =>
        Responses.OpenAIError(HttpStatusCode.NotFound, $"Invalid URL ({request.Method.Method} {request.RequestUri!.AbsolutePath})", "invalid_request_error");

    private HttpResponseMessage? Authenticate(HttpRequestMessage request)
    {
        var header = request.Headers.Authorization;
        var key = header is not null && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) ? header.Parameter : null;
        if (string.IsNullOrEmpty(key) && flavor.AcceptsApiKeyHeader && request.Headers.TryGetValues("api-key", out var values))
        {
            key = values.FirstOrDefault();
        }

        var wrong = !string.IsNullOrEmpty(key) && options.RequiredApiKey is { } required && !string.Equals(required, key, StringComparison.Ordinal);
        if (flavor.AcceptsApiKeyHeader)
        {
            // Azure's gateway answers before the API does, in its own words.
            return string.IsNullOrEmpty(key)
                ? Responses.OpenAIError(HttpStatusCode.Unauthorized, "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.", "invalid_request_error", code: "401")
                : wrong
                ? Responses.OpenAIError(HttpStatusCode.Unauthorized, "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.", "invalid_request_error", code: "401")
                : null;
        }

        if (string.IsNullOrEmpty(key))
        {
            return Responses.OpenAIError(HttpStatusCode.Unauthorized, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error");
        }

        if (wrong)
        {
            // The real service shows the first and last characters only; so does the emulator.
            var masked = key!.Length <= 8 ? "***" : key.Substring(0, 3) + "***" + key.Substring(key.Length - 4);
            return Responses.OpenAIError(HttpStatusCode.Unauthorized, $"Incorrect API key provided: {masked}. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", code: "invalid_api_key");
        }

        return null;
    }

    private async Task<HttpResponseMessage> UploadAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var boundary = MultipartFormReader.BoundaryOf(request.Content?.Headers.ContentType?.ToString());
        if (boundary is null)
        {
            return BadRequest("The request must be multipart/form-data with a boundary.", null);
        }

        var id = "file-" + Ids.Random(24);
        var temp = AtomicFile.TempPathFor(store.ContentPath(id));
        string? purpose = null;
        string? filename = null;
        long? expiresAfterSeconds = null;
        try
        {
            using var body = RequestBody.Open(request.Content!, cancellationToken);
            var reader = new MultipartFormReader(body, boundary);
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                switch (section.Name)
                {
                    case "file" when section.FileName is not null:
                        filename = section.FileName;
                        using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                        {
                            await section.CopyToAsync(target, MaxUploadBytes, cancellationToken).ConfigureAwait(false);
                        }

                        break;
                    case "purpose":
                        purpose = await section.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case "expires_after[seconds]" or "expires_after.seconds":
                        var seconds = await section.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                        expiresAfterSeconds = long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : -1;
                        break;
                    default:
                        await section.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (MultipartTooLargeException)
        {
            File.Delete(temp);
            return Responses.OpenAIError(HttpStatusCode.RequestEntityTooLarge, "File is too large: the limit is 512 MB.", "invalid_request_error", "file");
        }
        catch (InvalidDataException ex)
        {
            File.Delete(temp);
            return BadRequest("The multipart body is malformed: " + ex.Message, null);
        }

        var problem = purpose is null ? BadRequest("Missing required parameter: 'purpose'.", "purpose")
            : Array.IndexOf(UploadPurposes, purpose) < 0 ? BadRequest($"Invalid value for 'purpose': '{purpose}'. Expected one of {string.Join(", ", UploadPurposes)}.", "purpose")
            : filename is null ? BadRequest("Missing required parameter: 'file'.", "file")
            : purpose == "batch" && !filename.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? BadRequest("Invalid file format for Batch API. Must be .jsonl", "file")
            : expiresAfterSeconds is { } e && (e < flavor.MinFileExpirySeconds || e > 2_592_000) ? BadRequest($"Invalid 'expires_after.seconds': must be between {flavor.MinFileExpirySeconds} and 2592000.", "expires_after")
            : null;
        if (problem is not null)
        {
            File.Delete(temp);
            return problem;
        }

        var now = options.Now();
        var expiresAfter = expiresAfterSeconds ?? (purpose == "batch" ? 30L * 24 * 3600 : (long?)null);
        AtomicFile.MoveIntoPlace(temp, store.ContentPath(id));
        var file = new FileRecord
        {
            Id = id,
            Purpose = purpose!,
            Filename = filename!,
            Bytes = new FileInfo(store.ContentPath(id)).Length,
            CreatedAtMs = now,
            ExpiresAtMs = expiresAfter is { } after ? now + (after * 1000) : null,
        };
        store.SaveFile(file);
        return Responses.Ok(w => OpenAIJson.WriteFile(w, file, flavor.NewFilesPending ? "pending" : "processed"));
    }

    private HttpResponseMessage ListFiles(Uri uri)
    {
        var query = Query.Parse(uri);
        if (!Query.TryLimit(query, 10_000, 10_000, out var limit))
        {
            return BadRequest("Invalid 'limit': expected an integer between 1 and 10000.", "limit");
        }

        var order = query.TryGetValue("order", out var o) ? o : "desc";
        if (order is not ("asc" or "desc"))
        {
            return BadRequest("Invalid 'order': expected 'asc' or 'desc'.", "order");
        }

        var files = store.ListFiles()
            .Where(f => !query.TryGetValue("purpose", out var purpose) || f.Purpose == purpose)
            .OrderBy(f => f.CreatedAtMs).ThenBy(f => f.Id, StringComparer.Ordinal)
            .ToList();
        if (order == "desc")
        {
            files.Reverse();
        }

        return Page(files, query, limit, f => f.Id, (w, f) => OpenAIJson.WriteFile(w, f, "processed"), alwaysWriteCursorIds: true);
    }

    private HttpResponseMessage RetrieveFile(string id) =>
        store.GetFile(id) is { } file ? Responses.Ok(w => OpenAIJson.WriteFile(w, file, "processed")) : NoSuchFile(id);

    private HttpResponseMessage DeleteFile(string id)
    {
        if (!store.DeleteFile(id))
        {
            return NoSuchFile(id);
        }

        return Responses.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "file");
            w.WriteBoolean("deleted", true);
            w.WriteEndObject();
        });
    }

    private HttpResponseMessage FileContent(string id) =>
        store.GetFile(id) is null ? NoSuchFile(id) : Responses.File(store.ContentPath(id), "application/octet-stream");

    private async Task<HttpResponseMessage> CreateBatchAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        JsonDocument body;
        try
        {
            using var stream = RequestBody.Open(request.Content!, cancellationToken);
            body = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return BadRequest("We could not parse the JSON body of your request.", null);
        }

        using (body)
        {
            var root = body.RootElement;
            string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var inputFileId = Text("input_file_id");
            var endpoint = Text("endpoint");
            var window = Text("completion_window");
            if (inputFileId is null)
            {
                return BadRequest("Missing required parameter: 'input_file_id'.", "input_file_id");
            }

            if (endpoint is null || Array.IndexOf(BatchEndpoints, flavor.Normalize(endpoint)) < 0)
            {
                return BadRequest($"Invalid value for 'endpoint': expected one of {string.Join(", ", BatchEndpoints)}.", "endpoint");
            }

            if (flavor.Normalize(endpoint) != ChatCompletions)
            {
                return BadRequest($"The BatchAI emulator runs {ChatCompletions} batches only; '{endpoint}' is not emulated.", "endpoint");
            }

            if (window != "24h")
            {
                return BadRequest("Invalid value for 'completion_window': only '24h' is supported.", "completion_window");
            }

            var file = store.GetFile(inputFileId);
            if (file is null || file.Purpose != "batch")
            {
                return BadRequest($"Cannot find file {inputFileId}, or project does not have access to it.", "input_file_id");
            }

            if (ReadMetadata(root, out var metadata) is { } metadataProblem)
            {
                return metadataProblem;
            }

            var record = new BatchRecord
            {
                Id = "batch_" + Ids.Random(32),
                FaultKey = (flavor == OpenAIFlavor.Azure ? "azure#" : "openai#") + store.NextSequence("batches").ToString(System.Globalization.CultureInfo.InvariantCulture),
                Endpoint = endpoint,
                InputFileId = inputFileId,
                CompletionWindow = window,
                Metadata = metadata,
                CreatedAtMs = options.Now(),
                ProcessingMs = (long)options.ProcessingTime.TotalMilliseconds,
                CompletionWindowMs = (long)options.CompletionWindow.TotalMilliseconds,
                CancellationDelayMs = (long)options.CancellationDelay.TotalMilliseconds,
            };
            store.SaveBatch(record);
            return Responses.Ok(w => OpenAIJson.WriteBatch(w, BatchSnapshot.Created(record)));
        }
    }

    private HttpResponseMessage RetrieveBatch(string id) =>
        Current(id) is { } snapshot ? Responses.Ok(w => OpenAIJson.WriteBatch(w, snapshot)) : NoSuchBatch(id);

    private HttpResponseMessage ListBatches(Uri uri)
    {
        var query = Query.Parse(uri);
        if (!Query.TryLimit(query, 20, 100, out var limit))
        {
            return BadRequest("Invalid 'limit': expected an integer between 1 and 100.", "limit");
        }

        var batches = store.ListBatches()
            .OrderByDescending(b => b.CreatedAtMs).ThenByDescending(b => b.Id, StringComparer.Ordinal)
            .Select(b => b.Id)
            .ToList();
        return Page(batches, query, limit, id => id, (w, id) => OpenAIJson.WriteBatch(w, Current(id)!), alwaysWriteCursorIds: false);
    }

    private HttpResponseMessage CancelBatch(string id)
    {
        lock (_processing)
        {
            var snapshot = Current(id);
            if (snapshot is null)
            {
                return NoSuchBatch(id);
            }

            if (snapshot.CanCancel)
            {
                var record = snapshot.Record;
                record.CancelRequestedAtMs = options.Now();
                // Cancelling while still validating: validate now, so the batch knows its requests.
                record.Validation ??= Validate(record);
                store.SaveBatch(record);
                snapshot = BatchSnapshot.At(record, options.Now());
            }

            return Responses.Ok(w => OpenAIJson.WriteBatch(w, snapshot));
        }
    }

    /// <summary>The batch as of now, after doing any validation or processing that is due by now.</summary>
    private BatchSnapshot? Current(string id)
    {
        lock (_processing)
        {
            var record = store.GetBatch(id);
            if (record is null)
            {
                return null;
            }

            var now = options.Now();
            var snapshot = BatchSnapshot.At(record, now);
            if (record.Validation is null && now >= snapshot.ValidationEndsAt)
            {
                record.Validation = Validate(record);
                store.SaveBatch(record);
                snapshot = BatchSnapshot.At(record, now);
            }

            if (snapshot.HasResults && record.Outcome is null)
            {
                record.Outcome = record.Validation is { Errors.Count: 0 } ? BatchProcessor.Process(store, snapshot, now, flavor, faults) : new BatchOutcome();
                store.SaveBatch(record);
            }

            return snapshot;
        }
    }

    /// <summary>Validates the batch's input, and counts the requests an injected expiry will leave unprocessed.</summary>
    private BatchValidation Validate(BatchRecord record)
    {
        var path = store.ContentPath(record.InputFileId);
        var validation = InputFileValidator.Validate(path, record.Endpoint, flavor);
        if (validation.Errors.Count == 0 && options.QueuedTokenLimit is { } limit)
        {
            // As OpenAI does: a batch that would take the account past its enqueued-token limit fails at validation.
            var queued = store.ListBatches()
                .Where(b => b.Id != record.Id && b.Validation is { Errors.Count: 0 })
                .Where(b => BatchSnapshot.At(b, options.Now()).Status is "in_progress" or "finalizing")
                .Sum(b => b.Validation!.PromptTokens);
            if (queued + validation.PromptTokens > limit)
            {
                validation.Errors.Add(new BatchErrorRecord
                {
                    Code = "token_limit_exceeded",
                    Message = string.Format(CultureInfo.InvariantCulture, "Enqueued token limit reached for {0} in organization org-emulated. Limit: {1:N0} enqueued tokens. Please try again once some in_progress batches have been completed.", validation.Model, limit),
                });
                return validation;
            }
        }

        if (validation.Errors.Count == 0 && faults.InjectsRequestFaults)
        {
            validation.Unprocessed = InputLines.Read(path)
                .Where(l => l.Text.Trim().Length > 0)
                .Count(l => faults.Fate(record.FaultKey ?? record.Id, BatchProcessor.CustomIdOf(l.Text)) == RequestFate.Unprocessed);
        }

        return validation;
    }

    private static HttpResponseMessage? ReadMetadata(JsonElement root, out Dictionary<string, string>? metadata)
    {
        metadata = null;
        if (!root.TryGetProperty("metadata", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return BadRequest("Invalid type for 'metadata': expected an object.", "metadata");
        }

        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in element.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                return BadRequest($"Invalid type for 'metadata.{pair.Name}': expected a string.", "metadata");
            }

            if (pair.Name.Length > 64 || pair.Value.GetString()!.Length > 512)
            {
                return BadRequest("Invalid 'metadata': keys can be at most 64 characters and values at most 512 characters.", "metadata");
            }

            metadata[pair.Name] = pair.Value.GetString()!;
        }

        return metadata.Count > 16 ? BadRequest("Invalid 'metadata': at most 16 key-value pairs are allowed.", "metadata") : null;
    }

    private static HttpResponseMessage Page<T>(IReadOnlyList<T> items, IReadOnlyDictionary<string, string> query, int limit, Func<T, string> idOf, Action<Utf8JsonWriter, T> write, bool alwaysWriteCursorIds)
    {
        var start = 0;
        if (query.TryGetValue("after", out var after))
        {
            var index = items.Select(idOf).ToList().IndexOf(after);
            start = index < 0 ? items.Count : index + 1;
        }

        var page = items.Skip(start).Take(limit).ToList();
        var hasMore = start + page.Count < items.Count;
        return Responses.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var item in page)
            {
                write(w, item);
            }

            w.WriteEndArray();
            if (page.Count > 0 || alwaysWriteCursorIds)
            {
                Responses.WriteNullableString(w, "first_id", page.Count > 0 ? idOf(page[0]) : null);
                Responses.WriteNullableString(w, "last_id", page.Count > 0 ? idOf(page[page.Count - 1]) : null);
            }

            w.WriteBoolean("has_more", hasMore);
            w.WriteEndObject();
        });
    }

    private static HttpResponseMessage BadRequest(string message, string? param) =>
        Responses.OpenAIError(HttpStatusCode.BadRequest, message, "invalid_request_error", param);

    private static HttpResponseMessage NoSuchFile(string id) =>
        Responses.OpenAIError(HttpStatusCode.NotFound, $"No such File object: {id}", "invalid_request_error", "id");

    private static HttpResponseMessage NoSuchBatch(string id) =>
        Responses.OpenAIError(HttpStatusCode.NotFound, $"No batch found with id '{id}'.", "invalid_request_error", "batch_id");
}
