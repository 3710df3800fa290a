using System.Text.Json;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.State;

namespace BatchAI.Emulator.OpenAI;

/// <summary>OpenAI's object shapes, field for field as the OpenAPI spec's <c>OpenAIFile</c> and <c>Batch</c>.</summary>
internal static class OpenAIJson
{
    public static void WriteFile(Utf8JsonWriter w, FileRecord file, string status)
    {
        w.WriteStartObject();
        w.WriteString("id", file.Id);
        w.WriteString("object", "file");
        w.WriteNumber("bytes", file.Bytes);
        w.WriteNumber("created_at", Seconds(file.CreatedAtMs));
        Responses.WriteNullableNumber(w, "expires_at", file.ExpiresAtMs is { } e ? Seconds(e) : null);
        w.WriteString("filename", file.Filename);
        w.WriteString("purpose", file.Purpose);
        w.WriteString("status", status);
        w.WriteNull("status_details");
        w.WriteEndObject();
    }

    public static void WriteBatch(Utf8JsonWriter w, BatchSnapshot snapshot)
    {
        var record = snapshot.Record;
        var validation = record.Validation;
        var outcome = record.Outcome;
        w.WriteStartObject();
        w.WriteString("id", record.Id);
        w.WriteString("object", "batch");
        w.WriteString("endpoint", record.Endpoint);
        if (validation?.Model is { } model && snapshot.Status != "validating")
        {
            w.WriteString("model", model);
        }

        WriteErrors(w, snapshot);
        w.WriteString("input_file_id", record.InputFileId);
        w.WriteString("completion_window", record.CompletionWindow);
        w.WriteString("status", snapshot.Status);
        Responses.WriteNullableString(w, "output_file_id", snapshot.HasResults ? outcome?.OutputFileId : null);
        Responses.WriteNullableString(w, "error_file_id", snapshot.HasResults ? outcome?.ErrorFileId : null);
        w.WriteNumber("created_at", Seconds(record.CreatedAtMs));
        WriteTime(w, "in_progress_at", snapshot.InProgressAt);
        WriteTime(w, "expires_at", snapshot.Status == "validating" ? null : record.CreatedAtMs + record.CompletionWindowMs);
        WriteTime(w, "finalizing_at", snapshot.FinalizingAt);
        WriteTime(w, "completed_at", snapshot.CompletedAt);
        WriteTime(w, "failed_at", snapshot.FailedAt);
        WriteTime(w, "expired_at", snapshot.ExpiredAt);
        WriteTime(w, "cancelling_at", snapshot.CancellingAt);
        WriteTime(w, "cancelled_at", snapshot.CancelledAt);
        WriteCounts(w, snapshot);
        if (snapshot.HasResults && outcome is not null)
        {
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", outcome.InputTokens);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", 0);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", outcome.OutputTokens);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", 0);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", outcome.InputTokens + outcome.OutputTokens);
            w.WriteEndObject();
        }

        if (record.Metadata is null)
        {
            w.WriteNull("metadata");
        }
        else
        {
            w.WriteStartObject("metadata");
            foreach (var pair in record.Metadata)
            {
                w.WriteString(pair.Key, pair.Value);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public static long Seconds(long milliseconds) => milliseconds / 1000;

    private static void WriteErrors(Utf8JsonWriter w, BatchSnapshot snapshot)
    {
        if (snapshot.Status != "failed" || snapshot.Record.Validation is not { Errors.Count: > 0 } validation)
        {
            w.WriteNull("errors");
            return;
        }

        w.WriteStartObject("errors");
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var error in validation.Errors)
        {
            w.WriteStartObject();
            w.WriteString("code", error.Code);
            w.WriteString("message", error.Message);
            Responses.WriteNullableString(w, "param", error.Param);
            Responses.WriteNullableNumber(w, "line", error.Line);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter w, BatchSnapshot snapshot)
    {
        int total = 0, completed = 0, failed = 0;
        var validation = snapshot.Record.Validation;
        if (snapshot.HasResults && snapshot.Record.Outcome is { } outcome)
        {
            total = validation?.Total ?? 0;
            completed = outcome.Completed;
            failed = outcome.Failed;
        }
        else if (validation is { Errors.Count: 0 } && snapshot.Status is "in_progress" or "finalizing" or "cancelling")
        {
            // While running, counts grow with the share of requests processed; invalid requests fail at the same pace.
            total = validation.Total;
            var processed = (int)Math.Floor(snapshot.ProcessedFraction * total);
            failed = total == 0 ? 0 : (int)Math.Floor(processed * (validation.InvalidRequests / (double)total));
            completed = processed - failed;
        }

        w.WriteStartObject("request_counts");
        w.WriteNumber("total", total);
        w.WriteNumber("completed", completed);
        w.WriteNumber("failed", failed);
        w.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter w, string name, long? milliseconds) =>
        Responses.WriteNullableNumber(w, name, milliseconds is { } ms ? Seconds(ms) : null);
}
