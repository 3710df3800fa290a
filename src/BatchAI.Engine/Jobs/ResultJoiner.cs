using System.Globalization;
using System.Text.Json;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// Makes the final result of one request from what the provider returned for it (or did not), and checks that an
/// answer that had to be JSON is JSON.
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
            CheckJson(result, text, mustBeJson: request.SchemaId is not null);
        }

        return result;
    }

    private static void CheckJson(BatchResult result, string text, bool mustBeJson)
    {
        var trimmed = text.Trim();
        if (!mustBeJson && !(trimmed.StartsWith("{", StringComparison.Ordinal) || trimmed.StartsWith("[", StringComparison.Ordinal)))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(trimmed);
            result.Json = trimmed;
        }
        catch (JsonException ex) when (mustBeJson)
        {
            var cutOff = result.Details.TryGetValue("finish_reason", out var finish) && finish == "length"
                ? " It was cut off at the output token limit; raise -MaxTokens / --max-tokens."
                : string.Empty;
            result.Status = ResultStatus.Failed;
            result.ErrorCode = "invalid_json";
            result.ErrorMessage = "The answer should follow the JSON schema but is not valid JSON: " + ex.Message + cutOff;
        }
        catch (JsonException)
        {
            // Text that merely looks like JSON stays text.
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
