using System.Globalization;
using System.Text.Json;

namespace BatchAI.Providers.Gemini;

/// <summary>
/// Reads a Gemini batch operation in neutral terms: <c>metadata.state</c> (<c>BATCH_STATE_*</c> over REST; the SDKs'
/// <c>JOB_STATE_*</c> names are read too), <c>metadata.batchStats</c> (int64 counts as strings, zeros left out) and the
/// output from <c>metadata.output</c>, else from <c>response</c>.
/// </summary>
internal static class GeminiBatch
{
    public static RemoteBatch ToRemote(JsonElement operation)
    {
        var name = operation.StringOrNull("name");
        var metadata = operation.ObjectOrDefault("metadata");
        var state = metadata.StringOrNull("state");
        if (name is null || state is null)
        {
            throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", "The Gemini batch operation has no 'name' or 'metadata.state'.");
        }

        var stats = metadata.ObjectOrDefault("batchStats");
        var output = Output(operation);
        var locations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (output.StringOrNull("responsesFile") is { } file)
        {
            locations[GeminiProvider.ResponsesFile] = file;
        }
        else if (output.ValueKind == JsonValueKind.Object && output.TryGetProperty("inlinedResponses", out _))
        {
            locations[GeminiProvider.InlineResponses] = "operation";
        }

        var errors = new List<string>();
        if (operation.ObjectOrDefault("error") is { ValueKind: JsonValueKind.Object } error)
        {
            errors.Add(error.StringOrNull("message") ?? "The batch failed.");
        }

        return new RemoteBatch
        {
            Id = name,
            ProviderStatus = state,
            State = state.Replace("JOB_STATE_", "BATCH_STATE_") switch
            {
                "BATCH_STATE_PENDING" or "BATCH_STATE_QUEUED" => BatchState.Validating,
                "BATCH_STATE_SUCCEEDED" => BatchState.Completed,
                "BATCH_STATE_FAILED" => BatchState.Failed,
                "BATCH_STATE_CANCELLED" => BatchState.Canceled,
                "BATCH_STATE_EXPIRED" => BatchState.Expired,
                "BATCH_STATE_CANCELLING" => BatchState.Canceling,
                _ => BatchState.Running,
            },
            Total = Count(stats, "requestCount"),
            Completed = Count(stats, "successfulRequestCount"),
            Failed = Count(stats, "failedRequestCount"),
            ResultLocations = locations,
            Errors = errors,
        };
    }

    /// <summary>The inline responses of a finished operation, in input order.</summary>
    public static IEnumerable<JsonElement> InlineResponses(JsonElement operation)
    {
        var outer = Output(operation).ObjectOrDefault("inlinedResponses");
        return outer.ValueKind == JsonValueKind.Object && outer.TryGetProperty("inlinedResponses", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray()
            : [];
    }

    private static JsonElement Output(JsonElement operation)
    {
        var output = operation.ObjectOrDefault("metadata").ObjectOrDefault("output");
        return output.ValueKind == JsonValueKind.Object ? output : operation.ObjectOrDefault("response");
    }

    private static int Count(JsonElement stats, string name) =>
        stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.Number ? value.GetInt32() : int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0
            : 0;
}
