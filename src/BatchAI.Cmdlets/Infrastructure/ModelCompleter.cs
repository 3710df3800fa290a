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
        var providers = fakeBoundParameters is not null && fakeBoundParameters.Contains("Provider") && TryProvider(fakeBoundParameters["Provider"], out var bound)
            ? [bound]
            : new[] { ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini };
        return providers.SelectMany(p => KnownModels.Complete(p, prefix))
            .Distinct(StringComparer.Ordinal)
            .Select(model => new CompletionResult(model, model, CompletionResultType.ParameterValue, model));
    }

    private static bool TryProvider(object? value, out ProviderKind provider)
    {
        provider = ProviderKind.OpenAI;
        var text = value is PSObject wrapped ? wrapped.BaseObject?.ToString() : value?.ToString();
        try
        {
            provider = ProviderNames.Parse(text ?? string.Empty);
            return true;
        }
        catch (BatchAIException)
        {
            return false;
        }
    }
}
