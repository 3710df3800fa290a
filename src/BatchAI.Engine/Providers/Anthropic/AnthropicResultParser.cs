using System.Text;
using System.Text.Json;

namespace BatchAI.Providers.Anthropic;

/// <summary>
/// Reads one line of a Message Batch results file: <c>{"custom_id", "result": {"type": succeeded | errored | canceled |
/// expired, …}}</c>. An errored result holds a whole error response; its kind is at <c>result.error.error.type</c>.
/// </summary>
internal static class AnthropicResultParser
{
    private static readonly string[] RetryableErrors = ["api_error", "overloaded_error", "timeout_error", "rate_limit_error"];

    public static ResultLine Parse(ReadOnlyMemory<byte> line, string batchId)
    {
        using var document = ResultLines.Parse(line, batchId);
        var root = document.RootElement;
        var customId = root.StringOrNull("custom_id") ?? throw ResultLines.Invalid(batchId, "has no custom_id");
        var result = root.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.Object ? r : throw ResultLines.Invalid(batchId, "has no result");
        var details = new Dictionary<string, string>(StringComparer.Ordinal) { ["result_type"] = result.StringOrNull("type") ?? string.Empty };
        switch (result.StringOrNull("type"))
        {
            case "succeeded":
                return Succeeded(customId, batchId, result.TryGetProperty("message", out var message) ? message : default, details);
            case "errored":
                var envelope = result.TryGetProperty("error", out var e) ? e : default;
                var error = envelope.TryGetProperty("error", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : envelope;
                var type = error.StringOrNull("type") ?? "error";
                if (envelope.StringOrNull("request_id") is { } requestId)
                {
                    details["request_id"] = requestId;
                }

                return new ResultLine
                {
                    CustomId = customId,
                    BatchId = batchId,
                    Status = ResultStatus.Failed,
                    ErrorCode = type,
                    ErrorMessage = error.StringOrNull("message") ?? "The request failed.",
                    Retryable = Array.IndexOf(RetryableErrors, type) >= 0,
                    Details = details,
                };
            case "canceled":
                return ResultLines.NotRun(customId, batchId, ResultStatus.Canceled, "batch_cancelled", "The batch was canceled before this request was sent to the model.", details);
            case "expired":
                return ResultLines.NotRun(customId, batchId, ResultStatus.Expired, "batch_expired", "The batch reached its 24-hour limit before this request was sent to the model.", details);
            default:
                throw ResultLines.Invalid(batchId, $"has an unknown result type '{result.StringOrNull("type")}'");
        }
    }

    private static ResultLine Succeeded(string customId, string batchId, JsonElement message, Dictionary<string, string> details)
    {
        var text = new StringBuilder();
        var hasText = false;
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (block.StringOrNull("type") == "text" && block.StringOrNull("text") is { } part)
                {
                    text.Append(part);
                    hasText = true;
                }
            }
        }

        foreach (var (field, key) in new[] { ("id", "message_id"), ("model", "model"), ("stop_reason", "finish_reason") })
        {
            if (message.StringOrNull(field) is { } value)
            {
                details[key] = value;
            }
        }

        var usage = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("usage", out var u) ? u : default;
        var cacheRead = usage.Int32OrNull("cache_read_input_tokens");
        int? input = usage.Int32OrNull("input_tokens") is { } fresh ? fresh + (usage.Int32OrNull("cache_creation_input_tokens") ?? 0) + (cacheRead ?? 0) : null;
        var refused = message.StringOrNull("stop_reason") == "refusal";
        return new ResultLine
        {
            CustomId = customId,
            BatchId = batchId,
            Status = refused || !hasText ? ResultStatus.Failed : ResultStatus.Succeeded,
            Text = hasText ? text.ToString() : null,
            ErrorCode = refused ? "refusal" : hasText ? null : "empty_response",
            ErrorMessage = refused ? "The model refused to answer." : hasText ? null : "The message has no text content.",
            InputTokens = input,
            CachedInputTokens = cacheRead,
            OutputTokens = usage.Int32OrNull("output_tokens"),
            Details = details,
        };
    }
}
