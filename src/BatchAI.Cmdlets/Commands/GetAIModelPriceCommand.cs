using System.Management.Automation;
using BatchAI.Costs;
using BatchAI.Infrastructure;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Gets the per-model token prices BatchAI uses (US dollars per million tokens), with their date and source.</para>
/// <para type="description">The module ships a dated snapshot; -PriceFile overrides or extends it with your own
/// prices (a JSON file with a models array of model, provider, input_per_mtok, output_per_mtok and, optionally,
/// batch_input_per_mtok, batch_output_per_mtok, cached_input_per_mtok).</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "AIModelPrice")]
[OutputType(typeof(ModelPrice))]
public sealed class GetAIModelPriceCommand : PSCmdlet
{
    /// <summary>Model names; wildcards allowed. Omit for every model.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string[]? Model { get; set; }

    /// <summary>Only this provider's models: openai, anthropic, gemini.</summary>
    [Parameter]
    [ValidateSet("openai", "anthropic", "gemini", "user")]
    public string? Provider { get; set; }

    /// <summary>A JSON price file that overrides or extends the shipped table.</summary>
    [Parameter]
    public string? PriceFile { get; set; }

    private PriceTable? _table;

    protected override void BeginProcessing()
    {
        try
        {
            _table = PriceTable.Load(PriceFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(PriceFile));
        }
        catch (BatchAIException error)
        {
            ThrowTerminatingError(ErrorRecords.From(error, PriceFile));
        }
    }

    protected override void ProcessRecord()
    {
        var patterns = Model is { Length: > 0 } ? Model : ["*"];
        foreach (var pattern in patterns)
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var found = _table!.Prices.Where(p => wildcard.IsMatch(p.Model) && (Provider is null || string.Equals(p.Provider, Provider, StringComparison.OrdinalIgnoreCase))).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
            {
                WriteError(ErrorRecords.From(new BatchAIException(ErrorKind.NotFound, "ModelPriceUnknown", $"There is no price for model '{pattern}'. Closest known: {string.Join(", ", _table.Closest(pattern, 3))}."), pattern));
            }

            foreach (var price in found)
            {
                WriteObject(price);
            }
        }
    }
}
