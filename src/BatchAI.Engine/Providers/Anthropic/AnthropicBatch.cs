using System.Text.Json;

namespace BatchAI.Providers.Anthropic;

/// <summary>
/// Reads Anthropic's <c>MessageBatch</c> object in neutral terms. A batch is <c>in_progress</c>, <c>canceling</c> or
/// <c>ended</c>; an ended batch is canceled when a cancel was initiated, expired when requests expired, else completed.
/// Outcome counts are zero until it ends.
/// </summary>
internal static class AnthropicBatch
{
    public const string ResultsUrl = "results_url";

    public static RemoteBatch ToRemote(JsonElement json)
    {
        var id = json.StringOrNull("id");
        var status = json.StringOrNull("processing_status");
        if (id is null || status is null)
        {
            throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", "The message batch object has no 'id' or 'processing_status'.");
        }

        var counts = json.TryGetProperty("request_counts", out var c) ? c : default;
        int Count(string name) => counts.Int32OrNull(name) ?? 0;
        var (processing, succeeded, errored, canceled, expired) = (Count("processing"), Count("succeeded"), Count("errored"), Count("canceled"), Count("expired"));
        var locations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.StringOrNull(ResultsUrl) is { Length: > 0 } url)
        {
            locations[ResultsUrl] = url;
        }

        return new RemoteBatch
        {
            Id = id,
            ProviderStatus = status,
            State = status switch
            {
                "in_progress" => BatchState.Running,
                "canceling" => BatchState.Canceling,
                "ended" when json.StringOrNull("cancel_initiated_at") is not null => BatchState.Canceled,
                "ended" when expired > 0 => BatchState.Expired,
                "ended" => BatchState.Completed,
                _ => BatchState.Running,
            },
            Total = processing + succeeded + errored + canceled + expired,
            Completed = succeeded,
            Failed = errored + canceled + expired,
            ResultLocations = locations,
        };
    }
}
