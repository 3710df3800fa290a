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
