using System.Globalization;
using System.Text.Json;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Support;

/// <summary>
/// The judge of <see cref="BatchAI.Providers.OpenAI.OpenAIResultParser"/>: how it read a result line before it read
/// token by token, as a document, field by field (kept as that version had it).
/// </summary>
internal static class OpenAIResultDocumentReading
{
    public static ResultLine Parse(ReadOnlyMemory<byte> line, string batchId)
    {
        var document = ResultLines.Parse(line, batchId);
        using (document)
        {
            var root = document.RootElement;
            var customId = root.StringOrNull("custom_id") ?? throw ResultLines.Invalid(batchId, "has no custom_id");
            var details = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.StringOrNull("id") is { } lineId)
            {
                details["line_id"] = lineId;
            }

            if (root.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object)
            {
                return FromResponse(customId, batchId, response, details);
            }

            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
            var code = error.StringOrNull("code");
            var message = error.StringOrNull("message");
            var status = code switch
            {
                "batch_expired" => ResultStatus.Expired,
                "batch_cancelled" => ResultStatus.Canceled,
                _ => ResultStatus.Failed,
            };
            return new ResultLine
            {
                CustomId = customId,
                BatchId = batchId,
                Status = status,
                ErrorCode = code ?? "unknown_error",
                ErrorMessage = message ?? "The provider returned neither a response nor an error for this request.",
                Retryable = status != ResultStatus.Failed || code == "request_timeout",
                Details = details,
            };
        }
    }

    private static ResultLine FromResponse(string customId, string batchId, JsonElement response, Dictionary<string, string> details)
    {
        var statusCode = response.TryGetProperty("status_code", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0;
        details["status_code"] = statusCode.ToString(CultureInfo.InvariantCulture);
        if (response.StringOrNull("request_id") is { } requestId)
        {
            details["request_id"] = requestId;
        }

        var body = response.TryGetProperty("body", out var b) ? b : default;
        if (statusCode != 200)
        {
            var error = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var e) ? e : default;
            if (error.StringOrNull("param") is { } param)
            {
                details["param"] = param;
            }

            return new ResultLine
            {
                CustomId = customId,
                BatchId = batchId,
                Status = ResultStatus.Failed,
                ErrorCode = error.StringOrNull("code") ?? error.StringOrNull("type") ?? "http_" + statusCode.ToString(CultureInfo.InvariantCulture),
                ErrorMessage = error.StringOrNull("message") ?? "The request failed with HTTP status " + statusCode.ToString(CultureInfo.InvariantCulture) + ".",
                Retryable = statusCode is 408 or 409 or 429 || statusCode >= 500,
                Details = details,
            };
        }

        if (body.StringOrNull("model") is { } model)
        {
            details["model"] = model;
        }

        if (body.StringOrNull("id") is { } responseId)
        {
            details["response_id"] = responseId;
        }

        var usage = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("usage", out var u) ? u : default;
        var choice = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0 ? choices[0] : default;
        var message = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("message", out var m) ? m : default;
        if (choice.StringOrNull("finish_reason") is { } finish)
        {
            details["finish_reason"] = finish;
        }

        var text = message.StringOrNull("content");
        var refusal = message.StringOrNull("refusal");
        var (status, code, why) = refusal is not null
            ? (ResultStatus.Failed, "refusal", "The model refused: " + refusal)
            : text is null ? (ResultStatus.Failed, "empty_response", "The response has no message content.")
            : (ResultStatus.Succeeded, (string?)null, (string?)null);
        return new ResultLine
        {
            CustomId = customId,
            BatchId = batchId,
            Status = status,
            Text = text,
            ErrorCode = code,
            ErrorMessage = why,
            InputTokens = usage.Int32OrNull("prompt_tokens"),
            CachedInputTokens = usage.ObjectOrDefault("prompt_tokens_details").Int32OrNull("cached_tokens"),
            OutputTokens = usage.Int32OrNull("completion_tokens"),
            Details = details,
        };
    }
}
