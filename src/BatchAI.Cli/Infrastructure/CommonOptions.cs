using System.CommandLine;

namespace BatchAI.Cli.Infrastructure;

/// <summary>Options every verb understands (declared once on the root, recursive).</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Store = new("--store")
    {
        Description = "The job store folder (default: BATCHAI_HOME, else the platform's user data folder).",
        Recursive = true,
    };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "The provider API key (default: the provider's environment variable, e.g. OPENAI_API_KEY). Prefer the environment: arguments are visible to other users of the machine.",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print each provider call and other details to standard error.",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet")
    {
        Description = "Print no progress to standard error.",
        Recursive = true,
    };

    /// <summary><c>--provider openai|anthropic|gemini|azure-openai</c>.</summary>
    public static Option<string> Provider()
    {
        var option = new Option<string>("--provider") { Description = "The provider whose Batch API runs the job.", DefaultValueFactory = _ => "openai" };
        option.AcceptOnlyFromAmong([.. Providers.ProviderNames.CommandLineNames]);
        return option;
    }

    public static Option<bool> Json() => new("--json") { Description = "Write JSON to standard output instead of text." };

    public static Argument<string> Job() => new("job") { Description = "The job's id, or the name given at submit (the newest job of that name)." };

    /// <summary>A duration option's value (<c>30s</c>, <c>10m</c>, <c>2h</c>), or a clear error naming the option.</summary>
    public static TimeSpan Duration(string text, string option) =>
        Urgency.Durations.TryParse(text, out var span) && span is { } given ? given : throw BatchAIException.InvalidInput("DurationInvalid", $"{option}: '{text}' is not a duration such as 30m or 2h.");
}
