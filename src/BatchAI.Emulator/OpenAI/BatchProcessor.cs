using System.Text.Json;
using BatchAI.Emulator.Faults;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.Model;
using BatchAI.Emulator.State;
using BatchAI.IO;

namespace BatchAI.Emulator.OpenAI;

/// <summary>
/// Runs a finished batch through the emulated model and writes its output file (successful lines) and error file
/// (every other line), as OpenAI does. Lines come out in a shuffled but deterministic order, as real output files do
/// not follow the input order. When a batch was cancelled or expired, the requests processed by then are answered
/// and the rest get <c>batch_cancelled</c> or <c>batch_expired</c> lines. File ids derive from the batch id, so two
/// processes that finalize the same batch at once produce the same files.
/// </summary>
internal static class BatchProcessor
{
    public static BatchOutcome Process(EmulatorStore store, BatchSnapshot snapshot, long now, OpenAIFlavor flavor, FaultPlan faults)
    {
        var record = snapshot.Record;
        var inputPath = store.ContentPath(record.InputFileId);
        var order = InputLines.Read(inputPath)
            .Select(l => (l.Offset, Text: l.Text))
            .Where(l => l.Text.Trim().Length > 0)
            .Select(l => (l.Offset, Key: Ids.Stable(record.Id + "|" + CustomIdOf(l.Text))))
            .OrderBy(l => l.Key)
            .ThenBy(l => l.Offset)
            .ToList();
        var processed = snapshot.Status == "completed" ? order.Count : (int)Math.Floor(snapshot.ProcessedFraction * order.Count);
        var unprocessedCode = snapshot.Status == "expired" ? "batch_expired" : "batch_cancelled";
        var created = OpenAIJson.Seconds(snapshot.CompletedAt ?? snapshot.CancelledAt ?? snapshot.ExpiredAt ?? now);

        var outputId = "file-" + Ids.Derived(record.Id + "|output", 24);
        var errorId = "file-" + Ids.Derived(record.Id + "|error", 24);
        var outputTemp = AtomicFile.TempPathFor(store.ContentPath(outputId));
        var errorTemp = AtomicFile.TempPathFor(store.ContentPath(errorId));
        var outcome = new BatchOutcome();
        var errorLines = 0;
        using (var input = new RandomAccessLines(inputPath))
        using (var output = new FileStream(outputTemp, FileMode.CreateNew, FileAccess.Write))
        using (var errors = new FileStream(errorTemp, FileMode.CreateNew, FileAccess.Write))
        using (var outputWriter = new Utf8JsonWriter(output))
        using (var errorWriter = new Utf8JsonWriter(errors))
        {
            for (var rank = 0; rank < order.Count; rank++)
            {
                using var line = JsonDocument.Parse(input.ReadAt(order[rank].Offset));
                var customId = line.RootElement.GetProperty("custom_id").GetString()!;
                var requestId = Ids.Derived(record.Id + "|" + customId, 24);
                var fate = faults.Fate(record.FaultKey ?? record.Id, customId);
                if (rank >= processed || fate == RequestFate.Unprocessed)
                {
                    WriteUnprocessed(errorWriter, requestId, customId, unprocessedCode);
                    EndLine(errorWriter, errors);
                    errorLines++;
                    if (snapshot.Status == "expired")
                    {
                        outcome.Failed++;
                    }

                    continue;
                }

                var answer = EmulatedModel.Answer(customId, line.RootElement.GetProperty("body"));
                if (fate == RequestFate.RetryableError)
                {
                    WriteServerError(errorWriter, requestId, customId);
                    EndLine(errorWriter, errors);
                    errorLines++;
                    outcome.Failed++;
                }
                else if (fate == RequestFate.PermanentError || answer.Rejection is not null)
                {
                    var rejection = answer.Rejection ?? new RequestRejection("The emulator was told to find this request invalid (an injected fault).", "messages", "invalid_request");
                    WriteRejected(errorWriter, requestId, customId, rejection);
                    EndLine(errorWriter, errors);
                    errorLines++;
                    outcome.Failed++;
                }
                else
                {
                    WriteAnswered(outputWriter, requestId, customId, answer, created, flavor.ContentFilterResults);
                    EndLine(outputWriter, output);
                    outcome.Completed++;
                    outcome.InputTokens += answer.PromptTokens;
                    outcome.OutputTokens += answer.CompletionTokens;
                }
            }
        }

        // A batch with no successes has no output file, and one with no failures no error file (null ids), as OpenAI.
        outcome.OutputFileId = Publish(store, outcome.Completed > 0, outputTemp, outputId, $"batch_{record.Id}_output.jsonl", now);
        outcome.ErrorFileId = Publish(store, errorLines > 0, errorTemp, errorId, $"batch_{record.Id}_error.jsonl", now);
        return outcome;
    }

    private static string? Publish(EmulatorStore store, bool keep, string temp, string id, string filename, long now)
    {
        if (!keep)
        {
            File.Delete(temp);
            return null;
        }

        var bytes = new FileInfo(temp).Length;
        AtomicFile.MoveIntoPlace(temp, store.ContentPath(id));
        store.SaveFile(new FileRecord { Id = id, Purpose = "batch_output", Filename = filename, Bytes = bytes, CreatedAtMs = now, ExpiresAtMs = now + (30L * 24 * 3600 * 1000) });
        return id;
    }

    internal static string CustomIdOf(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.GetProperty("custom_id").GetString()!;
    }

    private static void EndLine(Utf8JsonWriter writer, Stream stream)
    {
        writer.Flush();
        stream.WriteByte((byte)'\n');
        writer.Reset(stream);
    }

    private static void WriteAnswered(Utf8JsonWriter w, string requestId, string customId, ModelAnswer answer, long created, bool contentFilter)
    {
        w.WriteStartObject();
        w.WriteString("id", "batch_req_" + requestId);
        w.WriteString("custom_id", customId);
        w.WriteStartObject("response");
        w.WriteNumber("status_code", 200);
        w.WriteString("request_id", "req_emu_" + requestId);
        w.WritePropertyName("body");
        WriteChatCompletion(w, requestId, answer, created, contentFilter);
        w.WriteEndObject();
        w.WriteNull("error");
        w.WriteEndObject();
    }

    /// <summary>A <c>chat.completion</c> object: the body of a batch output line, and the answer of the synchronous endpoint.</summary>
    internal static void WriteChatCompletion(Utf8JsonWriter w, string requestId, ModelAnswer answer, long created, bool contentFilter)
    {
        w.WriteStartObject();
        w.WriteString("id", "chatcmpl-emu" + requestId);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", created);
        w.WriteString("model", answer.Model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        if (contentFilter)
        {
            WriteContentFilter(w, "content_filter_results", jailbreak: false);
        }

        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", answer.Content);
        w.WriteNull("refusal");
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", answer.FinishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", answer.PromptTokens);
        w.WriteNumber("completion_tokens", answer.CompletionTokens);
        w.WriteNumber("total_tokens", answer.PromptTokens + answer.CompletionTokens);
        w.WriteEndObject();
        w.WriteString("system_fingerprint", "batchai-emulator");
        if (contentFilter)
        {
            w.WriteStartArray("prompt_filter_results");
            w.WriteStartObject();
            w.WriteNumber("prompt_index", 0);
            WriteContentFilter(w, "content_filter_results", jailbreak: true);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    /// <summary>Azure's content-filter verdicts: every category "safe" (the emulated model writes nothing else).</summary>
    private static void WriteContentFilter(Utf8JsonWriter w, string name, bool jailbreak)
    {
        w.WriteStartObject(name);
        foreach (var category in new[] { "hate", "self_harm", "sexual", "violence" })
        {
            w.WriteStartObject(category);
            w.WriteBoolean("filtered", false);
            w.WriteString("severity", "safe");
            w.WriteEndObject();
        }

        if (jailbreak)
        {
            w.WriteStartObject("jailbreak");
            w.WriteBoolean("filtered", false);
            w.WriteBoolean("detected", false);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteRejected(Utf8JsonWriter w, string requestId, string customId, RequestRejection rejection)
    {
        // A request the endpoint rejected: the HTTP error inside "response", top-level "error" null (OAI-I302).
        w.WriteStartObject();
        w.WriteString("id", "batch_req_" + requestId);
        w.WriteString("custom_id", customId);
        w.WriteStartObject("response");
        w.WriteNumber("status_code", 400);
        w.WriteString("request_id", "req_emu_" + requestId);
        w.WriteStartObject("body");
        w.WriteStartObject("error");
        w.WriteString("message", rejection.Message);
        w.WriteString("type", "invalid_request_error");
        Responses.WriteNullableString(w, "param", rejection.Param);
        Responses.WriteNullableString(w, "code", rejection.Code);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteNull("error");
        w.WriteEndObject();
    }

    /// <summary>A request the endpoint failed on its side: a 500 inside "response", worth another try.</summary>
    private static void WriteServerError(Utf8JsonWriter w, string requestId, string customId)
    {
        w.WriteStartObject();
        w.WriteString("id", "batch_req_" + requestId);
        w.WriteString("custom_id", customId);
        w.WriteStartObject("response");
        w.WriteNumber("status_code", 500);
        w.WriteString("request_id", "req_emu_" + requestId);
        w.WriteStartObject("body");
        w.WriteStartObject("error");
        w.WriteString("message", "The server had an error while processing your request. Sorry about that!");
        w.WriteString("type", "server_error");
        w.WriteNull("param");
        w.WriteNull("code");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteNull("error");
        w.WriteEndObject();
    }

    private static void WriteUnprocessed(Utf8JsonWriter w, string requestId, string customId, string code)
    {
        w.WriteStartObject();
        w.WriteString("id", "batch_req_" + requestId);
        w.WriteString("custom_id", customId);
        w.WriteNull("response");
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", code == "batch_expired"
            ? "This request could not be executed before the completion window expired."
            : "This request could not be executed before the batch was cancelled.");
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
