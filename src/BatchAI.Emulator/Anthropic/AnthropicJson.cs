using System.Globalization;
using System.Text.Json;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.Model;

namespace BatchAI.Emulator.Anthropic;

/// <summary>The Message Batches API's JSON: the <c>MessageBatch</c> object and the lines of its results file.</summary>
internal static class AnthropicJson
{
    public static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>All ten fields, always (the reference marks every one required); <paramref name="uri"/> gives the origin of <c>results_url</c>.</summary>
    public static void WriteBatch(Utf8JsonWriter w, AnthropicBatchRecord record, long now, Uri uri)
    {
        var ended = record.Outcome is not null && record.EndedAt(now);
        w.WriteStartObject();
        w.WriteString("id", record.Id);
        w.WriteString("type", "message_batch");
        w.WriteString("processing_status", ended ? "ended" : record.CancelRequestedAtMs is null ? "in_progress" : "canceling");
        w.WriteStartObject("request_counts");
        var outcome = ended ? record.Outcome! : new AnthropicOutcome();
        w.WriteNumber("processing", ended ? 0 : record.Total);
        w.WriteNumber("succeeded", outcome.Succeeded);
        w.WriteNumber("errored", outcome.Errored);
        w.WriteNumber("canceled", outcome.Canceled);
        w.WriteNumber("expired", outcome.Expired);
        w.WriteEndObject();
        Responses.WriteNullableString(w, "ended_at", ended ? Time(record.EndsAtMs) : null);
        w.WriteString("created_at", Time(record.CreatedAtMs));
        w.WriteString("expires_at", Time(record.CreatedAtMs + record.ExpiresAfterMs));
        Responses.WriteNullableString(w, "cancel_initiated_at", record.CancelRequestedAtMs is { } cancel ? Time(cancel) : null);
        w.WriteNull("archived_at");
        Responses.WriteNullableString(w, "results_url", ended ? new Uri(uri, "/v1/messages/batches/" + record.Id + "/results").AbsoluteUri : null);
        w.WriteEndObject();
    }

    public static void WriteSucceeded(Utf8JsonWriter w, string customId, string messageId, ModelAnswer answer)
    {
        w.WriteStartObject();
        w.WriteString("custom_id", customId);
        w.WriteStartObject("result");
        w.WriteString("type", "succeeded");
        w.WritePropertyName("message");
        WriteMessage(w, messageId, answer, "batch");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A Messages API <c>message</c>: inside a batch result, and the answer of <c>POST /v1/messages</c>.</summary>
    public static void WriteMessage(Utf8JsonWriter w, string messageId, ModelAnswer answer, string serviceTier)
    {
        w.WriteStartObject();
        w.WriteString("id", messageId);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", answer.Model);
        w.WriteStartArray("content");
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", answer.Content);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("stop_reason", answer.FinishReason == "length" ? "max_tokens" : "end_turn");
        w.WriteNull("stop_sequence");
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", answer.PromptTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", 0);
        w.WriteNumber("output_tokens", answer.CompletionTokens);
        w.WriteString("service_tier", serviceTier);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A request the Messages API refused: <c>result.error</c> is a whole error response, the kind at <c>error.error.type</c>.</summary>
    public static void WriteErrored(Utf8JsonWriter w, string customId, string type, string message)
    {
        w.WriteStartObject();
        w.WriteString("custom_id", customId);
        w.WriteStartObject("result");
        w.WriteString("type", "errored");
        w.WriteStartObject("error");
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", type);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteNull("request_id");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A request never sent to the model: <c>canceled</c> or <c>expired</c>, with no other field.</summary>
    public static void WriteUnrun(Utf8JsonWriter w, string customId, string type)
    {
        w.WriteStartObject();
        w.WriteString("custom_id", customId);
        w.WriteStartObject("result");
        w.WriteString("type", type);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
