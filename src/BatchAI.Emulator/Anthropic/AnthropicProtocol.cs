using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BatchAI.Emulator.Faults;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.Model;
using BatchAI.Emulator.State;
using BatchAI.IO;

namespace BatchAI.Emulator.Anthropic;

/// <summary>
/// Anthropic's Message Batches API (<c>/v1/messages/batches…</c>): create with the request array, retrieve, list
/// (newest first, <c>after_id</c>/<c>before_id</c>), cancel, delete, and the results file at the absolute
/// <c>results_url</c>. A batch is <c>in_progress</c> until every request has run, <c>canceling</c> for a moment after a
/// cancel, then <c>ended</c>; request counts other than <c>processing</c> stay 0 until it ends. Requests are checked
/// when the batch runs, as the real service does: a bad one ends <c>errored</c>.
/// </summary>
internal sealed class AnthropicProtocol(EmulatorStore store, EmulatorOptions options, FaultPlan faults)
{
    public const string Area = "anthropic";
    public const int MaxRequests = 100_000;
    public const long MaxBodyBytes = 256L * 1024 * 1024;
    private static readonly Regex CustomIdPattern = new("^[a-zA-Z0-9_-]{1,64}$", RegexOptions.CultureInvariant);
    private static readonly Regex VersionPattern = new(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant);
    private readonly object _processing = new();

    /// <param name="path">The path after <c>/v1/messages/batches</c>, without slashes at either end ("" for the collection).</param>
    public async Task<HttpResponseMessage> HandleAsync(HttpRequestMessage request, string path, CancellationToken cancellationToken)
    {
        if (Authenticate(request) is { } refused)
        {
            return refused;
        }

        var segments = path.Length == 0 ? [] : path.Split('/');
        return (segments.Length, request.Method.Method) switch
        {
            (0, "POST") => await CreateAsync(request, cancellationToken).ConfigureAwait(false),
            (0, "GET") => List(request.RequestUri!),
            (1, "GET") => Retrieve(request.RequestUri!, segments[0]),
            (1, "DELETE") => Delete(segments[0]),
            (2, "POST") when segments[1] == "cancel" => Cancel(request.RequestUri!, segments[0]),
            (2, "GET") when segments[1] == "results" => Results(segments[0]),
            _ => Error(HttpStatusCode.NotFound, "not_found_error", "Not found"),
        };
    }

    internal static HttpResponseMessage Error(HttpStatusCode status, string type, string message)
    {
        var requestId = "req_emu_" + Ids.Random(24);
        var response = Responses.Json(status, w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "error");
            w.WriteStartObject("error");
            w.WriteString("type", type);
            w.WriteString("message", message);
            w.WriteEndObject();
            w.WriteString("request_id", requestId);
            w.WriteEndObject();
        });
        response.Headers.TryAddWithoutValidation("request-id", requestId);
        return response;
    }

    /// <summary><c>POST /v1/messages/count_tokens</c>: what the messages and system prompt would count as.</summary>
    public async Task<HttpResponseMessage> CountTokensAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Authenticate(request) is { } refused)
        {
            return refused;
        }

        var (_, body) = await RequestBody.ReadJsonAsync(request.Content, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Error(HttpStatusCode.BadRequest, "invalid_request_error", "The request body is not valid JSON.");
        }

        using (body)
        {
            var root = body.RootElement;
            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || !root.TryGetProperty("model", out _))
            {
                return Error(HttpStatusCode.BadRequest, "invalid_request_error", "model and messages: Field required");
            }

            var conversation = new List<ModelMessage>();
            if (root.TryGetProperty("system", out var system))
            {
                conversation.Add(new ModelMessage("system", EmulatedModel.ContentText(system)));
            }

            conversation.AddRange(messages.EnumerateArray().Select(m => new ModelMessage(m.GetProperty("role").GetString()!, EmulatedModel.ContentText(m.GetProperty("content")))));
            var tokens = EmulatedModel.PromptTokens(conversation);
            return Marked(Responses.Ok(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("input_tokens", tokens);
                w.WriteEndObject();
            }));
        }
    }

    /// <summary><c>POST /v1/messages</c>: the synchronous Messages API, the same emulated model answered at once.</summary>
    public async Task<HttpResponseMessage> MessageAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Authenticate(request) is { } refused)
        {
            return refused;
        }

        var (text, body) = await RequestBody.ReadJsonAsync(request.Content, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Error(HttpStatusCode.BadRequest, "invalid_request_error", "The request body is not valid JSON.");
        }

        using (body)
        {
            var seed = "sync-" + Ids.Stable(text).ToString(CultureInfo.InvariantCulture);
            var answer = MessagesModel.Answer(seed, body.RootElement);
            return answer.Rejection is { } rejection
                ? Error(HttpStatusCode.BadRequest, "invalid_request_error", rejection.Message)
                : Marked(Responses.Ok(w => AnthropicJson.WriteMessage(w, "msg_emu" + Ids.Random(20), answer, "standard")));
        }
    }

    /// <summary>Either header the real API takes (<c>x-api-key</c>, or <c>Authorization: Bearer</c> from recent SDKs), plus <c>anthropic-version</c>.</summary>
    private HttpResponseMessage? Authenticate(HttpRequestMessage request)
    {
        var key = Header(request, "x-api-key");
        if (key is null && request.Headers.Authorization is { Scheme: var scheme, Parameter: var token } && string.Equals(scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            key = token;
        }

        if (string.IsNullOrEmpty(key))
        {
            return Error(HttpStatusCode.Unauthorized, "authentication_error", "x-api-key header is required");
        }

        if (options.RequiredApiKey is { } required && !string.Equals(required, key, StringComparison.Ordinal))
        {
            return Error(HttpStatusCode.Unauthorized, "authentication_error", "invalid x-api-key");
        }

        var version = Header(request, "anthropic-version");
        if (version is null)
        {
            return Error(HttpStatusCode.BadRequest, "invalid_request_error", "anthropic-version: header is required");
        }

        return VersionPattern.IsMatch(version) && string.CompareOrdinal(version, "2023-01-01") >= 0
            ? null
            : Error(HttpStatusCode.BadRequest, "invalid_request_error", $"anthropic-version: '{version}' is not a valid version");
    }

    private async Task<HttpResponseMessage> CreateAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content?.Headers.ContentLength > MaxBodyBytes)
        {
            // Refused at the edge, before the API (ANT-ERR: "returned from Cloudflare"), so the body is not the usual JSON.
            return Responses.Mark(new HttpResponseMessage(HttpStatusCode.RequestEntityTooLarge) { Content = new StringContent("413 Request Entity Too Large") });
        }

        JsonDocument body;
        try
        {
            using var stream = RequestBody.Open(request.Content ?? new ByteArrayContent([]), cancellationToken);
            body = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return Error(HttpStatusCode.BadRequest, "invalid_request_error", "The request body is not valid JSON.");
        }

        using (body)
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("requests", out var requests) || requests.ValueKind != JsonValueKind.Array)
            {
                return Error(HttpStatusCode.BadRequest, "invalid_request_error", "requests: Field required");
            }

            var count = requests.GetArrayLength();
            if (count is 0 or > MaxRequests)
            {
                return Error(HttpStatusCode.BadRequest, "invalid_request_error", string.Format(CultureInfo.InvariantCulture, "requests: must contain between 1 and {0} items; got {1}", MaxRequests, count));
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in requests.EnumerateArray())
            {
                var customId = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("custom_id", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : null;
                var where = string.Format(CultureInfo.InvariantCulture, "requests.{0}", index++);
                if (customId is null)
                {
                    return Error(HttpStatusCode.BadRequest, "invalid_request_error", where + ".custom_id: Field required");
                }

                if (!CustomIdPattern.IsMatch(customId))
                {
                    return Error(HttpStatusCode.BadRequest, "invalid_request_error", $"Invalid custom_id \"{customId}\": custom_id must match ^[a-zA-Z0-9_-]{{1,64}}$");
                }

                if (!seen.Add(customId))
                {
                    return Error(HttpStatusCode.BadRequest, "invalid_request_error", $"Duplicate custom_id \"{customId}\": each request in a Message Batch needs a unique custom_id");
                }

                if (!item.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
                {
                    return Error(HttpStatusCode.BadRequest, "invalid_request_error", where + ".params: Field required");
                }
            }

            var record = new AnthropicBatchRecord
            {
                Id = "msgbatch_" + Ids.Random(24),
                FaultKey = "anthropic#" + store.NextSequence(Area).ToString(CultureInfo.InvariantCulture),
                Total = count,
                CreatedAtMs = options.Now(),
                ProcessingMs = (long)options.ProcessingTime.TotalMilliseconds,
                ExpiresAfterMs = (long)options.CompletionWindow.TotalMilliseconds,
                CancellationDelayMs = (long)options.CancellationDelay.TotalMilliseconds,
            };
            var requestsPath = store.DataPath(Area, record.Id, ".requests.jsonl");
            var temp = AtomicFile.TempPathFor(requestsPath);
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new Utf8JsonWriter(file))
            {
                foreach (var item in requests.EnumerateArray())
                {
                    writer.WriteStartObject();
                    writer.WriteString("custom_id", item.GetProperty("custom_id").GetString());
                    writer.WritePropertyName("params");
                    item.GetProperty("params").WriteTo(writer);
                    writer.WriteEndObject();
                    writer.Flush();
                    file.WriteByte((byte)'\n');
                    writer.Reset(file);
                }
            }

            AtomicFile.MoveIntoPlace(temp, requestsPath);
            store.SaveRecord(Area, record.Id, record);
            return Ok(request.RequestUri!, record, record.CreatedAtMs);
        }
    }

    private HttpResponseMessage Retrieve(Uri uri, string id) =>
        Current(id) is { } record ? Ok(uri, record, options.Now()) : NotFound(id);

    private HttpResponseMessage List(Uri uri)
    {
        var query = Query.Parse(uri);
        var limit = 20;
        if (query.TryGetValue("limit", out var text) && !(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= 1000))
        {
            return Error(HttpStatusCode.BadRequest, "invalid_request_error", "limit: Input should be between 1 and 1000");
        }

        // Newest first; after_id pages towards older batches, before_id towards newer ones.
        var ids = store.ListRecords<AnthropicBatchRecord>(Area)
            .OrderByDescending(b => b.CreatedAtMs).ThenByDescending(b => b.Id, StringComparer.Ordinal)
            .Select(b => b.Id)
            .ToList();
        List<string> page;
        bool hasMore;
        if (query.TryGetValue("before_id", out var before))
        {
            var end = ids.IndexOf(before);
            end = end < 0 ? 0 : end;
            var start = Math.Max(0, end - limit);
            page = ids.GetRange(start, end - start);
            hasMore = start > 0;
        }
        else
        {
            var start = query.TryGetValue("after_id", out var after) ? (ids.IndexOf(after) is var i && i < 0 ? ids.Count : i + 1) : 0;
            page = ids.Skip(start).Take(limit).ToList();
            hasMore = start + page.Count < ids.Count;
        }

        var now = options.Now();
        return Marked(Responses.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var id in page)
            {
                AnthropicJson.WriteBatch(w, Current(id)!, now, uri);
            }

            w.WriteEndArray();
            w.WriteBoolean("has_more", hasMore);
            Responses.WriteNullableString(w, "first_id", page.Count > 0 ? page[0] : null);
            Responses.WriteNullableString(w, "last_id", page.Count > 0 ? page[page.Count - 1] : null);
            w.WriteEndObject();
        }));
    }

    private HttpResponseMessage Cancel(Uri uri, string id)
    {
        lock (_processing)
        {
            var record = Current(id);
            if (record is null)
            {
                return NotFound(id);
            }

            var now = options.Now();
            if (!record.EndedAt(now) && record.CancelRequestedAtMs is null)
            {
                record.CancelRequestedAtMs = now;
                store.SaveRecord(Area, record.Id, record);
            }

            return Ok(uri, record, now);
        }
    }

    private HttpResponseMessage Delete(string id)
    {
        var record = Current(id);
        if (record is null)
        {
            return NotFound(id);
        }

        if (!record.EndedAt(options.Now()))
        {
            return Error(HttpStatusCode.BadRequest, "invalid_request_error", $"Message Batch {id} cannot be deleted while it is still processing. Cancel it first.");
        }

        store.DeleteRecord(Area, id);
        File.Delete(store.DataPath(Area, id, ".requests.jsonl"));
        File.Delete(store.DataPath(Area, id, ".results.jsonl"));
        return Marked(Responses.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("type", "message_batch_deleted");
            w.WriteEndObject();
        }));
    }

    private HttpResponseMessage Results(string id)
    {
        var record = Current(id);
        if (record is null)
        {
            return NotFound(id);
        }

        return record.Outcome is null
            ? Error(HttpStatusCode.BadRequest, "invalid_request_error", $"Message Batch {id} has not finished processing; results are available once processing_status is 'ended'.")
            : Marked(Responses.File(store.DataPath(Area, id, ".results.jsonl"), "application/x-jsonl"));
    }

    /// <summary>The batch as of now, after running its requests if its processing has ended by now.</summary>
    private AnthropicBatchRecord? Current(string id)
    {
        lock (_processing)
        {
            var record = store.LoadRecord<AnthropicBatchRecord>(Area, id);
            if (record is not null && record.Outcome is null && record.EndedAt(options.Now()))
            {
                record.Outcome = Process(record);
                store.SaveRecord(Area, record.Id, record);
            }

            return record;
        }
    }

    /// <summary>Runs the batch: results in a shuffled but stable order; requests not reached are canceled or expired.</summary>
    private AnthropicOutcome Process(AnthropicBatchRecord record)
    {
        var requestsPath = store.DataPath(Area, record.Id, ".requests.jsonl");
        var order = InputLines.Read(requestsPath)
            .Where(l => l.Text.Length > 0)
            .Select(l => (l.Offset, Key: Ids.Stable(record.Id + "|" + l.Number.ToString(CultureInfo.InvariantCulture))))
            .OrderBy(l => l.Key).ThenBy(l => l.Offset)
            .ToList();
        var processed = (int)Math.Floor(record.ProcessedFraction * order.Count);
        var unprocessed = record.CancelRequestedAtMs is { } cancel && cancel < record.CreatedAtMs + record.ExpiresAfterMs ? "canceled" : "expired";
        var outcome = new AnthropicOutcome();
        var resultsPath = store.DataPath(Area, record.Id, ".results.jsonl");
        var temp = AtomicFile.TempPathFor(resultsPath);
        using (var input = new RandomAccessLines(requestsPath))
        using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new Utf8JsonWriter(output))
        {
            for (var rank = 0; rank < order.Count; rank++)
            {
                using var line = JsonDocument.Parse(input.ReadAt(order[rank].Offset));
                var customId = line.RootElement.GetProperty("custom_id").GetString()!;
                if (rank >= processed)
                {
                    AnthropicJson.WriteUnrun(writer, customId, unprocessed);
                    _ = unprocessed == "canceled" ? outcome.Canceled++ : outcome.Expired++;
                }
                else if (faults.Fate(record.FaultKey ?? record.Id, customId) is var fate && fate != RequestFate.Runs)
                {
                    WriteFault(writer, customId, fate, outcome);
                }
                else
                {
                    var answer = MessagesModel.Answer(customId, line.RootElement.GetProperty("params"));
                    if (answer.Rejection is { } rejection)
                    {
                        AnthropicJson.WriteErrored(writer, customId, "invalid_request_error", rejection.Message);
                        outcome.Errored++;
                    }
                    else
                    {
                        AnthropicJson.WriteSucceeded(writer, customId, "msg_emu" + Ids.Derived(record.Id + "|" + customId, 20), answer);
                        outcome.Succeeded++;
                    }
                }

                writer.Flush();
                output.WriteByte((byte)'\n');
                writer.Reset(output);
            }
        }

        AtomicFile.MoveIntoPlace(temp, resultsPath);
        return outcome;
    }

    /// <summary>An injected fault, as Anthropic reports it: never reached (expired), or errored with the error's type.</summary>
    private static void WriteFault(Utf8JsonWriter writer, string customId, RequestFate fate, AnthropicOutcome outcome)
    {
        switch (fate)
        {
            case RequestFate.Unprocessed:
                AnthropicJson.WriteUnrun(writer, customId, "expired");
                outcome.Expired++;
                break;
            case RequestFate.PermanentError:
                AnthropicJson.WriteErrored(writer, customId, "invalid_request_error", "messages.0.content: the emulator was told to find this request invalid (an injected fault).");
                outcome.Errored++;
                break;
            default:
                AnthropicJson.WriteErrored(writer, customId, "api_error", "Internal server error");
                outcome.Errored++;
                break;
        }
    }

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static HttpResponseMessage Ok(Uri uri, AnthropicBatchRecord record, long now) =>
        Marked(Responses.Ok(w => AnthropicJson.WriteBatch(w, record, now, uri)));

    private static HttpResponseMessage Marked(HttpResponseMessage response)
    {
        response.Headers.TryAddWithoutValidation("request-id", "req_emu_" + Ids.Random(24));
        return response;
    }

    private static HttpResponseMessage NotFound(string id) =>
        Error(HttpStatusCode.NotFound, "not_found_error", $"Message Batch {id} not found.");

}
