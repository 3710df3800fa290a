using System.Text.Json;

namespace BatchAI.Providers;

/// <summary>What every provider's result parser needs: parse a line, complain about it, report a request that never ran.</summary>
internal static class ResultLines
{
    /// <summary>A result line from its UTF-8 bytes, as downloaded (see <see cref="Http.Utf8LineReader"/>).</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> line, string batchId)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", $"A result line of batch {batchId} is not valid JSON: {ex.Message}");
        }
    }

    public static BatchAIException Invalid(string batchId, string problem) =>
        new(ErrorKind.Protocol, "ProviderAnswerInvalid", $"A result line of batch {batchId} {problem}.");

    /// <summary>A request the batch never sent to the model (canceled or expired): it may simply be sent again.</summary>
    public static ResultLine NotRun(string customId, string batchId, ResultStatus status, string code, string message, IReadOnlyDictionary<string, string> details) => new()
    {
        CustomId = customId,
        BatchId = batchId,
        Status = status,
        ErrorCode = code,
        ErrorMessage = message,
        Retryable = true,
        Details = details,
    };
}
