using System.Text.Json;

namespace BatchAI.Providers;

/// <summary>
/// Model names per provider, from the embedded price snapshot (Costs/model-prices.json), for tab completion. Azure
/// OpenAI takes deployment names, which are usually named after the OpenAI model they deploy, so it offers those.
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

    private static Dictionary<string, IReadOnlyList<string>> Load()
    {
        using var stream = typeof(KnownModels).Assembly.GetManifestResourceStream("BatchAI.Costs.model-prices.json")
            ?? throw new InvalidOperationException("The price snapshot is missing from the assembly.");
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("models").EnumerateArray()
            .Where(m => m.StringOrNull("mode") is null or "chat")
            .GroupBy(m => m.StringOrNull("provider") ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(m => m.StringOrNull("model")!).Where(n => n is not null).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
    }
}
