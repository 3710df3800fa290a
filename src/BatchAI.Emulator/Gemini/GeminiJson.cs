using System.Globalization;
using System.Net;
using System.Text.Json;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.Model;

namespace BatchAI.Emulator.Gemini;

/// <summary>
/// The Gemini API's JSON: proto3 JSON rules (camelCase, int64 as strings, zero counts omitted), the long-running
/// <c>Operation</c> that wraps a batch, <c>File</c> resources and the Google error envelope.
/// </summary>
internal static class GeminiJson
{
    public const string BatchType = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch";
    public const string OutputType = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput";

    public static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>{"error": {"code": &lt;HTTP status&gt;, "message", "status": &lt;canonical code&gt;}}</c></summary>
    public static HttpResponseMessage Error(HttpStatusCode status, string canonical, string message) =>
        Responses.Json(status, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteNumber("code", (int)status);
            w.WriteString("message", message);
            w.WriteString("status", canonical);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    public static void WriteFile(Utf8JsonWriter w, GeminiFileRecord file, Uri origin, string version)
    {
        w.WriteStartObject();
        w.WriteString("name", "files/" + file.Id);
        w.WriteString("displayName", file.DisplayName);
        w.WriteString("mimeType", file.MimeType);
        w.WriteString("sizeBytes", file.SizeBytes.ToString(CultureInfo.InvariantCulture));
        w.WriteString("createTime", Time(file.CreatedAtMs));
        w.WriteString("updateTime", Time(file.CreatedAtMs));
        w.WriteString("expirationTime", Time(file.CreatedAtMs + (48L * 3600 * 1000)));
        w.WriteString("sha256Hash", file.Sha256);
        w.WriteString("uri", new Uri(origin, $"/{version}/files/{file.Id}").AbsoluteUri);
        if (file.Source == "GENERATED")
        {
            w.WriteString("downloadUri", new Uri(origin, $"/download/{version}/files/{file.Id}:download?alt=media").AbsoluteUri);
        }

        w.WriteString("state", "ACTIVE");
        w.WriteString("source", file.Source);
        w.WriteEndObject();
    }

    /// <param name="inlineResponses">The batch's inline responses file, when they are to be included (get, not list).</param>
    public static void WriteOperation(Utf8JsonWriter w, GeminiBatchRecord record, long now, string? inlineResponses)
    {
        var state = record.StateAt(now);
        var terminal = GeminiBatchRecord.IsTerminal(state);
        var outcome = state == "BATCH_STATE_SUCCEEDED" ? record.Outcome : null;
        w.WriteStartObject();
        w.WriteString("name", "batches/" + record.Id);
        w.WriteStartObject("metadata");
        w.WriteString("@type", BatchType);
        w.WriteString("model", "models/" + record.Model);
        w.WriteString("displayName", record.DisplayName);
        w.WriteStartObject("inputConfig");
        if (record.InputFile is { } file)
        {
            w.WriteString("fileName", file);
        }

        w.WriteEndObject();
        w.WriteString("createTime", Time(record.CreatedAtMs));
        var ended = terminal ? EndedAt(record, state) : (long?)null;
        if (ended is { } end)
        {
            w.WriteString("endTime", Time(end));
        }

        w.WriteString("updateTime", Time(ended ?? record.CreatedAtMs));
        w.WriteStartObject("batchStats");
        Count(w, "requestCount", record.Total);
        Count(w, "successfulRequestCount", outcome?.Succeeded ?? 0);
        Count(w, "failedRequestCount", outcome?.Failed ?? 0);
        Count(w, "pendingRequestCount", terminal ? 0 : record.Total);
        w.WriteEndObject();
        w.WriteString("state", state);
        w.WriteString("name", "batches/" + record.Id);
        if (record.Priority != 0)
        {
            w.WriteString("priority", record.Priority.ToString(CultureInfo.InvariantCulture));
        }

        if (outcome is not null)
        {
            // Both SDKs read metadata.output; REST clients and the guide read response: the real service fills both.
            w.WritePropertyName("output");
            WriteOutput(w, outcome, inlineResponses, withType: false);
        }

        w.WriteEndObject();
        if (terminal)
        {
            w.WriteBoolean("done", true);
        }

        if (outcome is not null)
        {
            w.WritePropertyName("response");
            WriteOutput(w, outcome, inlineResponses, withType: true);
        }
        else if (terminal)
        {
            var (code, message) = state switch
            {
                "BATCH_STATE_CANCELLED" => (1, "The batch was cancelled."),
                "BATCH_STATE_EXPIRED" => (4, "The batch expired: it was pending or running for more than 48 hours."),
                _ => (3, record.Outcome?.Error ?? "The batch failed."),
            };
            w.WriteStartObject("error");
            w.WriteNumber("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public static void WriteResponse(Utf8JsonWriter w, ModelAnswer answer, string responseId)
    {
        w.WriteStartObject();
        w.WriteStartArray("candidates");
        w.WriteStartObject();
        w.WriteStartObject("content");
        w.WriteStartArray("parts");
        w.WriteStartObject();
        w.WriteString("text", answer.Content);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("role", "model");
        w.WriteEndObject();
        w.WriteString("finishReason", answer.FinishReason == "length" ? "MAX_TOKENS" : "STOP");
        w.WriteNumber("index", 0);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("usageMetadata");
        w.WriteNumber("promptTokenCount", answer.PromptTokens);
        w.WriteNumber("candidatesTokenCount", answer.CompletionTokens);
        w.WriteNumber("totalTokenCount", answer.PromptTokens + answer.CompletionTokens);
        w.WriteEndObject();
        w.WriteString("modelVersion", answer.Model);
        w.WriteString("responseId", responseId);
        w.WriteEndObject();
    }

    public static void WriteStatus(Utf8JsonWriter w, int code, string message)
    {
        w.WriteStartObject();
        w.WriteNumber("code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
    }

    private static long EndedAt(GeminiBatchRecord record, string state) => state switch
    {
        "BATCH_STATE_CANCELLED" => record.CancelRequestedAtMs!.Value,
        "BATCH_STATE_EXPIRED" => record.CreatedAtMs + record.ExpiresAfterMs,
        _ => record.CreatedAtMs + record.ProcessingMs,
    };

    private static void WriteOutput(Utf8JsonWriter w, GeminiOutcome outcome, string? inlineResponses, bool withType)
    {
        w.WriteStartObject();
        if (withType)
        {
            w.WriteString("@type", OutputType);
        }

        if (outcome.ResponsesFile is { } file)
        {
            w.WriteString("responsesFile", file);
        }
        else if (inlineResponses is not null)
        {
            w.WriteStartObject("inlinedResponses");
            w.WriteStartArray("inlinedResponses");
            foreach (var line in File.ReadLines(inlineResponses))
            {
                if (line.Length > 0)
                {
                    w.WriteRawValue(line, skipInputValidation: true);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>int64 counts are strings in proto3 JSON, and zero values are left out.</summary>
    private static void Count(Utf8JsonWriter w, string name, long value)
    {
        if (value != 0)
        {
            w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
        }
    }
}
