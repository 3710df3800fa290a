using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using BatchAI.Jobs;

namespace BatchAI.Cli.Infrastructure;

/// <summary>How jobs look on standard output: aligned text for people, JSON (with --json) for scripts.</summary>
internal static class JobOutput
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Json(Action<Utf8JsonWriter> write, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, indented ? JsonOptions : JsonOptions with { Indented = false }))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void WriteJob(Utf8JsonWriter w, BatchJob job, Action<Utf8JsonWriter>? extra = null)
    {
        w.WriteStartObject();
        w.WriteString("jobId", job.Id);
        WriteNullable(w, "name", job.Name);
        w.WriteString("provider", job.Provider.ToString());
        w.WriteStartArray("models");
        foreach (var model in job.Models)
        {
            w.WriteStringValue(model);
        }

        w.WriteEndArray();
        w.WriteString("state", job.State.ToString());
        w.WriteNumber("requestCount", job.RequestCount);
        w.WriteNumber("skipped", job.SkippedCount);
        if (job.EstimatedCostUsd is { } estimate)
        {
            w.WriteNumber("estimatedCostUsd", estimate);
        }
        else
        {
            w.WriteNull("estimatedCostUsd");
        }

        WriteNullable(w, "skippedList", job.SkippedPath);
        w.WriteNumber("completed", job.CompletedCount);
        w.WriteNumber("failed", job.FailedCount);
        w.WriteString("createdAt", job.CreatedAt);
        if (job.ReceivedAt is { } received)
        {
            w.WriteString("receivedAt", received);
        }
        else
        {
            w.WriteNull("receivedAt");
        }

        WriteRecords(w, "records", job.Records);

        w.WriteNumber("maxAttempts", job.MaxAttempts);
        WriteNullable(w, "queuedTokenLimit", job.QueuedTokenLimit);
        WriteNullable(w, "queuedRequestLimit", job.QueuedRequestLimit);
        w.WriteBoolean("emulated", job.Emulated);
        w.WriteBoolean("dryRun", job.DryRun);
        WriteNullable(w, "baseUrl", job.BaseUrl);
        w.WriteString("folder", job.Folder);
        w.WriteStartArray("batches");
        foreach (var batch in job.Batches)
        {
            w.WriteStartObject();
            w.WriteNumber("index", batch.Index);
            w.WriteNumber("attempt", batch.Attempt);
            w.WriteBoolean("held", batch.Held);
            w.WriteBoolean("awaitsQueue", batch.AwaitsQueue);
            WriteNullable(w, "batchId", batch.BatchId);
            w.WriteString("model", batch.Model);
            w.WriteString("state", batch.State.ToString());
            WriteNullable(w, "providerStatus", batch.ProviderStatus);
            w.WriteNumber("requests", batch.Requests);
            w.WriteNumber("tokens", batch.Tokens);
            w.WriteNumber("completed", batch.Completed);
            w.WriteNumber("failed", batch.Failed);
            w.WriteStartArray("errors");
            foreach (var error in batch.Errors)
            {
                w.WriteStringValue(error);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        extra?.Invoke(w);
        w.WriteEndObject();
    }

    public static void WriteRecord(Utf8JsonWriter w, JobRecord record)
    {
        w.WriteStartObject();
        w.WriteString("customId", record.CustomId);
        w.WriteString("state", record.State.ToString());
        w.WriteNumber("batch", record.Batch);
        WriteNullable(w, "batchId", record.BatchId);
        w.WriteBoolean("held", record.Held);
        w.WriteNumber("attempts", record.Attempts);
        w.WriteBoolean("retryable", record.Retryable);
        WriteNullable(w, "errorCode", record.ErrorCode);
        WriteNullable(w, "errorMessage", record.ErrorMessage);
        w.WriteEndObject();
    }

    public static void WriteRecords(Utf8JsonWriter w, string name, RecordCounts? records)
    {
        if (records is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        w.WriteNumber("pending", records.Pending);
        w.WriteNumber("submitted", records.Submitted);
        w.WriteNumber("succeeded", records.Succeeded);
        w.WriteNumber("failed", records.Failed);
        w.WriteNumber("expired", records.Expired);
        w.WriteNumber("canceled", records.Canceled);
        w.WriteNumber("retryable", records.Retryable);
        w.WriteEndObject();
    }

    public static string Text(BatchJob job)
    {
        var lines = new List<string>
        {
            Row("Job", job.ToString()),
            Row("Provider", job.Provider + (job.Emulated ? " (in-process emulator)" : job.BaseUrl is null ? string.Empty : " at " + job.BaseUrl) + ", " + job.Model),
            Row("Created", job.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            Row("State", job.State + " (" + job.BatchSummary + ")"),
            Row("Requests", string.Format(CultureInfo.InvariantCulture, "{0:N0}: {1:N0} completed, {2:N0} failed so far", job.RequestCount, job.CompletedCount, job.FailedCount)),
            Row("Records", job.Records is { } records ? records.ToString() : "not counted yet"),
            Row("Received", job.ReceivedAt?.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "not yet"),
            Row("Folder", job.Folder),
            string.Empty,
        };
        lines.AddRange(Table(
            ["#", "ATTEMPT", "BATCH", "MODEL", "STATE", "REQUESTS", "COMPLETED", "FAILED"],
            job.Batches.Select(b => new[] { b.Index.ToString(CultureInfo.InvariantCulture), b.Attempt.ToString(CultureInfo.InvariantCulture), b.BatchId ?? "(not submitted)", b.Model, b.State.ToString(), N(b.Requests), N(b.Completed), N(b.Failed) })));
        foreach (var batch in job.Batches.Where(b => b.Errors.Count > 0))
        {
            lines.Add(string.Format(CultureInfo.InvariantCulture, "Batch {0} failed: {1}", batch.Index, string.Join("; ", batch.Errors)));
        }

        return string.Join(Environment.NewLine, lines);
    }

    public static IEnumerable<string> Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = header.Select((_, i) => all.Max(r => DisplayWidth(r[i]))).ToArray();
        return all.Select(r => string.Join("  ", r.Select((cell, i) => cell + new string(' ', widths[i] - DisplayWidth(cell)))).TrimEnd());
    }

    /// <summary>Terminal columns a text takes: East Asian wide characters and emoji take two, so tables stay aligned.</summary>
    public static int DisplayWidth(string text)
    {
        var width = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length)
            {
                width += 2;
                i++;
            }
            else
            {
                width += c is (>= '\u1100' and <= '\u115F') or (>= '\u2E80' and <= '\uA4CF') or (>= '\uAC00' and <= '\uD7A3')
                    or (>= '\uF900' and <= '\uFAFF') or (>= '\uFE30' and <= '\uFE4F') or (>= '\uFF00' and <= '\uFF60') or (>= '\uFFE0' and <= '\uFFE6') ? 2 : 1;
            }
        }

        return width;
    }

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Row(string label, string value) => label.PadRight(10) + value;

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
