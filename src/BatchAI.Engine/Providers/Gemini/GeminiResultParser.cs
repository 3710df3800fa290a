using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BatchAI.Providers.Gemini;

/// <summary>
/// Reads one Gemini batch result (a responses-file line or an inline response): a <c>GenerateContentResponse</c> under
/// <c>response</c>, or a <c>google.rpc.Status</c> under <c>error</c>. A response that stopped for safety, recitation or a
/// blocked prompt is a failed request with that reason; the text is the candidate's parts that are not thoughts.
/// </summary>
internal static class GeminiResultParser
{
    private static readonly Dictionary<int, string> CanonicalCodes = new()
    {
        [1] = "CANCELLED", [2] = "UNKNOWN", [3] = "INVALID_ARGUMENT", [4] = "DEADLINE_EXCEEDED", [5] = "NOT_FOUND",
        [7] = "PERMISSION_DENIED", [8] = "RESOURCE_EXHAUSTED", [9] = "FAILED_PRECONDITION", [10] = "ABORTED",
        [13] = "INTERNAL", [14] = "UNAVAILABLE", [16] = "UNAUTHENTICATED",
    };

    private static readonly int[] RetryableCodes = [2, 4, 8, 10, 13, 14, 408, 429, 500, 502, 503, 504];

    public static ResultLine Parse(JsonElement result, string? key, string batchId)
    {
        if (key is null)
        {
            throw ResultLines.Invalid(batchId, "has no key (BatchAI always sends keyed requests, so it cannot tell which record it answers)");
        }

        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        if (result.ObjectOrDefault("error") is { ValueKind: JsonValueKind.Object } error)
        {
            var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 2;
            details["code"] = code.ToString(CultureInfo.InvariantCulture);
            return new ResultLine
            {
                CustomId = key,
                BatchId = batchId,
                Status = ResultStatus.Failed,
                ErrorCode = error.StringOrNull("status") ?? (CanonicalCodes.TryGetValue(code, out var canonical) ? canonical : "error_" + code.ToString(CultureInfo.InvariantCulture)),
                ErrorMessage = error.StringOrNull("message") ?? "The request failed.",
                Retryable = Array.IndexOf(RetryableCodes, code) >= 0,
                Details = details,
            };
        }

        var response = result.ObjectOrDefault("response");
        foreach (var (field, name) in new[] { ("modelVersion", "model"), ("responseId", "response_id") })
        {
            if (response.StringOrNull(field) is { } value)
            {
                details[name] = value;
            }
        }

        var usage = response.ObjectOrDefault("usageMetadata");
        var output = usage.Int32OrNull("candidatesTokenCount") is { } candidates ? candidates + (usage.Int32OrNull("thoughtsTokenCount") ?? 0) : (int?)null;
        var candidate = response.TryGetProperty("candidates", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0 ? list[0] : default;
        var finish = candidate.StringOrNull("finishReason");
        if (finish is not null)
        {
            details["finish_reason"] = finish;
        }

        var text = Text(candidate);
        var blocked = response.ObjectOrDefault("promptFeedback").StringOrNull("blockReason");
        var (status, errorCode, message) = blocked is not null ? (ResultStatus.Failed, "prompt_blocked", "The prompt was blocked: " + blocked)
            : finish is not (null or "STOP" or "MAX_TOKENS" or "FINISH_REASON_UNSPECIFIED") ? (ResultStatus.Failed, finish.ToLowerInvariant(), "The model stopped without an answer: " + finish)
            : text is null ? (ResultStatus.Failed, "empty_response", "The response has no text.")
            : (ResultStatus.Succeeded, (string?)null, (string?)null);
        return new ResultLine
        {
            CustomId = key,
            BatchId = batchId,
            Status = status,
            Text = text,
            ErrorCode = errorCode,
            ErrorMessage = message,
            InputTokens = usage.Int32OrNull("promptTokenCount"),
            CachedInputTokens = usage.Int32OrNull("cachedContentTokenCount"),
            OutputTokens = output,
            Details = details,
        };
    }

    private static string? Text(JsonElement candidate)
    {
        var content = candidate.ObjectOrDefault("content");
        if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var builder = new StringBuilder();
        var any = false;
        foreach (var part in parts.EnumerateArray())
        {
            if (part.StringOrNull("text") is { } text && !(part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True))
            {
                builder.Append(text);
                any = true;
            }
        }

        return any ? builder.ToString() : null;
    }
}
