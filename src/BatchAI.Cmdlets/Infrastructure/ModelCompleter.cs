using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BatchAI.Providers;

namespace BatchAI.Infrastructure;

/// <summary>
/// Completes <c>-Model</c> from the model names the module knows (its price snapshot): those of the command's
/// <c>-Provider</c> when one is bound, else of every provider, so <c>claude&lt;Tab&gt;</c> offers Claude models.
/// </summary>
public sealed class ModelCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var bound = fakeBoundParameters is not null && fakeBoundParameters.Contains("Provider") ? fakeBoundParameters["Provider"] : null;
        var providers = ProviderNames.TryParse((bound is PSObject wrapped ? wrapped.BaseObject : bound)?.ToString(), out var provider)
            ? [provider]
            : new[] { ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini };
        return providers.SelectMany(p => KnownModels.Complete(p, prefix))
            .Distinct(StringComparer.Ordinal)
            .Select(model => new CompletionResult(model, model, CompletionResultType.ParameterValue, model));
    }
}
