using System.Globalization;
using System.Text.Json;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// One request's final result, joined to the record it came from: exactly one per input record.
/// </summary>
public sealed class BatchResult
{
    internal BatchResult(SourceRecord source, string customId, ResultStatus status)
    {
        Source = source;
        CustomId = customId;
        Status = status;
    }

    public string CustomId { get; }

    public long RowNumber => Source.RowNumber;

    public ResultStatus Status { get; internal set; }

    /// <summary>The model's answer as text.</summary>
    public string? Output { get; internal set; }

    /// <summary>The answer as compact JSON, when it is JSON (always, for requests with a schema that succeeded).</summary>
    public string? Json { get; internal set; }

    /// <summary>Input tokens, all of them (cached ones included), as the provider reported.</summary>
    public int? InputTokens { get; internal set; }

    /// <summary>The part of <see cref="InputTokens"/> read from the provider's prompt cache, when reported.</summary>
    public int? CachedInputTokens { get; internal set; }

    /// <summary>Output tokens, reasoning or thinking tokens included (they are billed as output).</summary>
    public int? OutputTokens { get; internal set; }

    public string? ErrorCode { get; internal set; }

    public string? ErrorMessage { get; internal set; }

    /// <summary>Whether sending the request again may succeed (it expired, was canceled, or met a server error).</summary>
    public bool Retryable { get; internal set; }

    /// <summary>The provider batch that answered, when one did.</summary>
    public string? BatchId { get; internal set; }

    /// <summary>
    /// Provider specifics: finish reason, model version, request id, the HTTP status of the line. A dictionary, so
    /// PowerShell reads a name as a property (<c>$result.Details.finish_reason</c>); made when first asked for, as a
    /// CSV of a million results never asks.
    /// </summary>
    public IReadOnlyDictionary<string, string> Details
    {
        get
        {
            if (_details is not Dictionary<string, string> made)
            {
                made = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var pair in _details)
                {
                    made[pair.Key] = pair.Value;
                }

                _details = made;
            }

            return made;
        }

        internal set => _details = value;
    }

    private IReadOnlyDictionary<string, string> _details = ResultDetails.None;

    /// <summary>The record the request was made from, columns as they were.</summary>
    public SourceRecord Source { get; }

    /// <summary>"code: message", or null when the request succeeded.</summary>
    public string? Error => ErrorCode is null ? ErrorMessage : ErrorMessage is null ? ErrorCode : ErrorCode + ": " + ErrorMessage;

    /// <summary>
    /// The JSON answer as plain values: objects as ordered string-keyed dictionaries, arrays as lists, and strings,
    /// booleans, numbers (long, or double) and null. Null when the answer is not JSON.
    /// </summary>
    public object? ParseJson()
    {
        if (Json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(Json);
        return ToPlain(document.RootElement);
    }

    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1}", CustomId, Status);

    private static object? ToPlain(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[property.Name] = ToPlain(property.Value);
                }

                return map;
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(ToPlain).ToList();
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out var l) ? l : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}

/// <summary>What a receive produced, counted by status.</summary>
public sealed class ReceiveSummary(BatchJob job, long succeeded, long failed, long expired, long canceled)
{
    public BatchJob Job { get; } = job;

    public long Succeeded { get; } = succeeded;

    public long Failed { get; } = failed;

    public long Expired { get; } = expired;

    public long Canceled { get; } = canceled;

    public long Total => Succeeded + Failed + Expired + Canceled;

    /// <summary>The job's error log (errors.jsonl), one line per record that did not succeed; null when all did.</summary>
    public string? ErrorLogPath { get; init; }

    /// <summary>How many rows were written from answers the download kept in memory (see <see cref="KeptAnswers"/>).</summary>
    internal long FromKeptAnswers { get; init; }

    public override string ToString() => string.Format(
        CultureInfo.InvariantCulture,
        "{0:N0} result(s): {1:N0} succeeded, {2:N0} failed, {3:N0} expired, {4:N0} canceled",
        Total,
        Succeeded,
        Failed,
        Expired,
        Canceled);
}
