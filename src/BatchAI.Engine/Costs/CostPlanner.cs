using BatchAI.Requests;

namespace BatchAI.Costs;

/// <summary>
/// Adds up, per model, what a set of requests will use before they are sent: input tokens estimated per request (see
/// <see cref="TokenEstimator"/>), output tokens from the expected average or, failing that, each request's
/// <c>MaxOutputTokens</c> (an upper bound). Holds one running total per model, not the requests.
/// </summary>
/// <param name="fallbackOutputTokens">Output assumed for a request with no MaxTokens (instead of an error).</param>
/// <param name="useTokenizer">False to approximate input tokens for every model (cheap, for large jobs).</param>
public sealed class CostPlanner(long? outputTokensPerRequest = null, long? fallbackOutputTokens = null, bool useTokenizer = true)
{
    private readonly Dictionary<string, CostInputs> _byModel = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="countedInputTokens">The input tokens the provider's count-tokens endpoint gave, when it was asked (exact).</param>
    /// <returns>The request's input tokens, as estimated.</returns>
    public long Add(BatchRequest request, long? countedInputTokens = null)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        var output = OutputTokens(request.MaxOutputTokens)
            ?? throw BatchAIException.InvalidInput("OutputTokensMissing", $"Record {request.CustomId} has no MaxTokens, so its output cannot be estimated: give the expected output tokens per request (-OutputTokens / --output-tokens).");
        var estimate = countedInputTokens is { } counted ? new TokenEstimate(counted, exact: true, "the provider's count-tokens endpoint") : TokenEstimator.Estimate(request, useTokenizer);
        Count(request.Model, output, estimate.Tokens, estimate.Exact);
        return estimate.Tokens;
    }

    /// <summary>
    /// Adds a request whose input tokens were approximated already (<see cref="TokenEstimator.Approximate(BatchRequest)"/>),
    /// for a planner that has a fallback for the output tokens (a draft's).
    /// </summary>
    internal void AddApproximated(string model, int? maxOutputTokens, long inputTokens)
    {
        var output = OutputTokens(maxOutputTokens) ?? throw new InvalidOperationException("This planner has no fallback for output tokens.");
        Count(model, output, inputTokens, exact: false);
    }

    private long? OutputTokens(int? maxOutputTokens) => outputTokensPerRequest ?? maxOutputTokens ?? fallbackOutputTokens;

    private void Count(string model, long outputTokens, long inputTokens, bool exact)
    {
        if (!_byModel.TryGetValue(model, out var totals))
        {
            totals = new CostInputs { Basis = "planned", TokensExact = true };
            _byModel[model] = totals;
        }

        totals.Requests++;
        totals.InputTokens += inputTokens;
        totals.OutputTokens += outputTokens;
        totals.TokensExact &= exact;
    }

    /// <summary>The totals per model, in the order the models were first seen.</summary>
    public IReadOnlyList<KeyValuePair<string, CostInputs>> Totals => _byModel.ToList();
}
