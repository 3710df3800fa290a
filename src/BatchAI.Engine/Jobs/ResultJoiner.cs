using System.Globalization;
using System.Text.Json;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// Makes the final result of one request from what the provider returned for it (or did not), joined to its record.
/// </summary>
internal static class ResultJoiner
{
    public static BatchResult Join(StoredRecord request, ResultLine? line, PartRecord? part)
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
        if (!LooksLikeJson(trimmed))
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
    /// Whether the text could be a JSON object or array, judged from its ends without parsing: prose such as
    /// "[emulated] text" or "[1] First point" is told apart here, not by a parse failure, because a failed parse
    /// throws, and an exception per record is most of the cost of a join.
    /// </summary>
    private static bool LooksLikeJson(string text)
    {
        if (text.Length < 2)
        {
            return false;
        }

        var (open, close) = (text[0], text[text.Length - 1]);
        if (!((open == '{' && close == '}') || (open == '[' && close == ']')))
        {
            return false;
        }

        var i = 1;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        var first = text[i];
        return open == '{'
            ? first is '"' or '}'
            : first is '{' or '[' or '"' or ']' or '-' or 't' or 'f' or 'n' || (first >= '0' && first <= '9');
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
