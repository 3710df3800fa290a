using BatchAI.Costs;

namespace BatchAI.Providers;

/// <summary>
/// Model names per provider, from the shipped price snapshot (<see cref="PriceTable"/>), for tab completion. Azure
/// OpenAI takes deployment names, which are usually named after the OpenAI model they deploy, so it offers those.
/// The snapshot holds chat models only (Responses-only models are left out: BatchAI sends Chat Completions).
/// </summary>
public static class KnownModels
{
    private static readonly Lazy<Dictionary<string, IReadOnlyList<string>>> ByProvider = new(Load);

    public static IReadOnlyList<string> For(ProviderKind provider)
    {
        var key = provider switch
        {
            ProviderKind.Anthropic => "anthropic",
            ProviderKind.Gemini => "gemini",
            _ => "openai",
        };
        return ByProvider.Value.TryGetValue(key, out var models) ? models : [];
    }

    /// <summary>The models of <paramref name="provider"/> whose names start with <paramref name="prefix"/> (any case), sorted.</summary>
    public static IEnumerable<string> Complete(ProviderKind provider, string? prefix) =>
        For(provider).Where(m => m.StartsWith(prefix ?? string.Empty, StringComparison.OrdinalIgnoreCase));

    private static Dictionary<string, IReadOnlyList<string>> Load() =>
        PriceTable.Load().Prices
            .GroupBy(p => p.Provider, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(p => p.Model).OrderBy(n => n, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
}
