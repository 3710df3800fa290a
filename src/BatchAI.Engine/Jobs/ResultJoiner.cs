using System.Globalization;
using System.Text.Json;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// Makes the final result of one request from what the provider returned for it (or did not), joined to its record.
/// </summary>
internal static class ResultJoiner
{
    public static BatchResult Join(StoredRequest request, ResultLine? line, PartRecord? part)
    {
        line ??= Missing(request.CustomId, part);
        var result = new BatchResult(request.Source, request.CustomId, line.Status)
        {
            Output = line.Text,
            InputTokens = line.InputTokens,
            CachedInputTokens = line.CachedInputTokens,
            OutputTokens = line.OutputTokens,
            ErrorCode = line.ErrorCode,
            ErrorMessage = line.ErrorMessage,
            Retryable = line.Retryable,
            BatchId = line.BatchId,
            Details = line.Details,
        };
        if (line.Status == ResultStatus.Succeeded && line.Text is { } text)
        {
            result.Json = JsonOrNull(text);
        }

        return result;
    }

    /// <summary>
    /// The answer as JSON text when it is JSON. Answers that had to follow a schema were checked as they were
    /// downloaded (see <see cref="AnswerCheck"/>); text that merely looks like JSON and is not stays text.
    /// </summary>
    private static string? JsonOrNull(string text)
    {
        var trimmed = text.Trim();
        if (!(trimmed.StartsWith("{", StringComparison.Ordinal) || trimmed.StartsWith("[", StringComparison.Ordinal)))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(trimmed);
            return trimmed;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The result of a request its batch returned nothing for: what the batch's end means for it (a Gemini batch that
    /// expired or was canceled returns nothing at all), or a missing result, which may be sent again.
    /// </summary>
    public static ResultLine Missing(string customId, PartRecord? part)
    {
        var batch = part?.BatchId ?? "(not submitted)";
        var (status, code, message) = part?.State switch
        {
            BatchState.Failed => (ResultStatus.Failed, "batch_failed", string.Format(CultureInfo.InvariantCulture, "The provider rejected batch {0} as a whole: {1}", batch, string.Join("; ", part.Errors))),
            BatchState.Canceled when part.BatchId is null => (ResultStatus.Canceled, "batch_cancelled", "The job was canceled before this request's batch was submitted."),
            BatchState.Canceled => (ResultStatus.Canceled, "batch_cancelled", string.Format(CultureInfo.InvariantCulture, "Batch {0} was canceled before this request ran.", batch)),
            BatchState.Expired => (ResultStatus.Expired, "batch_expired", string.Format(CultureInfo.InvariantCulture, "Batch {0} expired before this request ran.", batch)),
            _ => (ResultStatus.Failed, "missing_result", string.Format(CultureInfo.InvariantCulture, "The provider returned no result for this request, although batch {0} is {1}.", batch, part?.State)),
        };
        return new ResultLine
        {
            CustomId = customId,
            Status = status,
            ErrorCode = code,
            ErrorMessage = message,
            Retryable = status != ResultStatus.Failed || code == "missing_result",
            BatchId = part?.BatchId,
        };
    }
}
