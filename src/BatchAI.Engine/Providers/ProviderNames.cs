namespace BatchAI.Providers;

/// <summary>How providers are named on the command line (<c>openai</c>, <c>anthropic</c>, <c>gemini</c>, <c>azure-openai</c>) and to people.</summary>
public static class ProviderNames
{
    public static IReadOnlyList<string> CommandLineNames { get; } = ["openai", "anthropic", "gemini", "azure-openai"];

    public static string CommandLineName(ProviderKind provider) => provider switch
    {
        ProviderKind.Anthropic => "anthropic",
        ProviderKind.Gemini => "gemini",
        ProviderKind.AzureOpenAI => "azure-openai",
        _ => "openai",
    };

    /// <summary>The name people know the provider by, for messages.</summary>
    public static string DisplayName(ProviderKind provider) => provider switch
    {
        ProviderKind.AzureOpenAI => "Azure OpenAI",
        _ => provider.ToString(),
    };

    /// <summary>Reads a command-line name, or the enum name in any case (<c>AzureOpenAI</c>).</summary>
    public static bool TryParse(string? text, out ProviderKind provider)
    {
        var name = (text ?? string.Empty).Trim();
        foreach (ProviderKind kind in Enum.GetValues(typeof(ProviderKind)))
        {
            if (string.Equals(name, CommandLineName(kind), StringComparison.OrdinalIgnoreCase) || string.Equals(name, kind.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                provider = kind;
                return true;
            }
        }

        provider = ProviderKind.OpenAI;
        return false;
    }

    public static ProviderKind Parse(string text) =>
        TryParse(text, out var provider) ? provider : throw BatchAIException.InvalidInput("ProviderUnknown", $"'{text}' is not a provider BatchAI knows; use one of {string.Join(", ", CommandLineNames)}.");

    /// <summary>A cheap current model for trying things out (the demo); for Azure, the usual name of a batch deployment of it.</summary>
    public static string ExampleModel(ProviderKind provider) => provider switch
    {
        ProviderKind.Anthropic => "claude-haiku-4-5",
        ProviderKind.Gemini => "gemini-2.5-flash-lite",
        ProviderKind.AzureOpenAI => "gpt-4o-mini-batch",
        _ => "gpt-4o-mini",
    };
}
