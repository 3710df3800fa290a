using System.Globalization;
using System.Text.Json;

namespace BatchAI.Providers.OpenAI;

/// <summary>The fields of OpenAI's <c>Batch</c> object that BatchAI uses.</summary>
internal sealed class OpenAIBatch
{
    public string Id { get; private set; } = string.Empty;

    public string Status { get; private set; } = string.Empty;

    public string? OutputFileId { get; private set; }

    public string? ErrorFileId { get; private set; }

    public int Total { get; private set; }

    public int Completed { get; private set; }

    public int Failed { get; private set; }

    public List<string> Errors { get; } = [];

    /// <summary>Failed because the enqueued-token limit was reached.</summary>
    public bool QueueFull { get; private set; }

    public static OpenAIBatch Parse(JsonElement json)
    {
        var batch = new OpenAIBatch
        {
            Id = json.StringOrNull("id") ?? string.Empty,
            // Azure's own examples write "Validating" and "" for files not there yet: read both as OpenAI means them.
            Status = json.StringOrNull("status")?.ToLowerInvariant() ?? string.Empty,
            OutputFileId = NullIfEmpty(json.StringOrNull("output_file_id")),
            ErrorFileId = NullIfEmpty(json.StringOrNull("error_file_id")),
        };
        if (batch.Id.Length == 0 || batch.Status.Length == 0)
        {
            throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", "The batch object has no 'id' or 'status'.");
        }

        if (json.TryGetProperty("request_counts", out var counts) && counts.ValueKind == JsonValueKind.Object)
        {
            batch.Total = counts.Int32OrNull("total") ?? 0;
            batch.Completed = counts.Int32OrNull("completed") ?? 0;
            batch.Failed = counts.Int32OrNull("failed") ?? 0;
        }

        if (json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            && errors.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var error in data.EnumerateArray())
            {
                var code = error.StringOrNull("code") ?? "error";
                var message = error.StringOrNull("message") ?? string.Empty;
                var line = error.TryGetProperty("line", out var l) && l.ValueKind == JsonValueKind.Number ? " (line " + l.GetInt32().ToString(CultureInfo.InvariantCulture) + ")" : string.Empty;
                batch.Errors.Add(code + line + ": " + message);
                batch.QueueFull |= code == "token_limit_exceeded";
            }
        }

        return batch;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    /// <summary>OpenAI's status words in neutral terms; an unknown word is treated as still running.</summary>
    public BatchState NeutralState => Status switch
    {
        "validating" => BatchState.Validating,
        "in_progress" => BatchState.Running,
        "finalizing" => BatchState.Finalizing,
        "cancelling" => BatchState.Canceling,
        "completed" => BatchState.Completed,
        "expired" => BatchState.Expired,
        "cancelled" => BatchState.Canceled,
        "failed" => BatchState.Failed,
        _ => BatchState.Running,
    };

    public RemoteBatch ToRemote()
    {
        var locations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (OutputFileId is not null)
        {
            locations["output_file_id"] = OutputFileId;
        }

        if (ErrorFileId is not null)
        {
            locations["error_file_id"] = ErrorFileId;
        }

        return new RemoteBatch
        {
            Id = Id,
            State = NeutralState,
            ProviderStatus = Status,
            Total = Total,
            Completed = Completed,
            Failed = Failed,
            ResultLocations = locations,
            Errors = Errors,
            QueueFull = QueueFull && Status == "failed",
        };
    }
}
