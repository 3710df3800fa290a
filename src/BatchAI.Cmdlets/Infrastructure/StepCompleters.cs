using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BatchAI.Providers;

namespace BatchAI.Infrastructure;

/// <summary>Completes <c>-Trigger</c>: live-user, event, schedule, backfill.</summary>
public sealed class TriggerCompleter : IArgumentCompleter
{
    private static readonly string[] Triggers = ["live-user", "event", "schedule", "backfill"];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Triggers.Where(t => t.StartsWith((wordToComplete ?? string.Empty).Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(t => new CompletionResult(t, t, CompletionResultType.ParameterValue, t));
}

/// <summary>Completes a provider given as text: OpenAI, Anthropic, Gemini, AzureOpenAI.</summary>
public sealed class ProviderCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Enum.GetNames(typeof(ProviderKind))
            .Where(p => p.StartsWith((wordToComplete ?? string.Empty).Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(p => new CompletionResult(p, p, CompletionResultType.ParameterValue, p));
}

/// <summary>
/// Completes a job argument from the store (the command's -Store when bound, else the default): names first, then
/// ids, newest first, each with its state as the tooltip. A name with spaces or quotes comes back quoted.
/// </summary>
public sealed class JobCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var bound = fakeBoundParameters is not null && fakeBoundParameters.Contains("Store") ? fakeBoundParameters["Store"] : null;
        var store = (bound is PSObject wrapped ? wrapped.BaseObject : bound)?.ToString();
        using var service = new Jobs.JobService(new Jobs.JobServiceOptions { Store = string.IsNullOrEmpty(store) ? null : store });
        return service.Completions((wordToComplete ?? string.Empty).Trim('\'', '"'))
            .Select(c => new CompletionResult(Hosting.Formatting.QuoteArgument(c.Text), c.Text, CompletionResultType.ParameterValue, c.Description))
            .ToList();
    }
}
