using System.Management.Automation;
using BatchAI.Costs;
using BatchAI.Infrastructure;
using BatchAI.Requests;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Compares what a run costs in real time and as a batch: tokens, the automation platform's operations, savings, per month.</para>
/// <para type="description">From BatchRequest objects on the pipeline (input tokens counted offline: exact for
/// OpenAI models, approximated for others), from counts given as parameters, or from a finished job's actual usage
/// (-Id). One object per model, in US dollars, unrounded, ready for Format-Table or Export-Csv.</para>
/// </summary>
// Job is the default set. PowerShell settles on a set before piped objects bind; with Counts as the default, a piped
// request or job was bound by property name (Model) into Counts and failed, and with Requests a piped job was
// ambiguous. With Job, requests bind by value, counts and jobs by property name (found by running the Pester suite).
[Cmdlet(VerbsData.Compare, "AIBatchCost", DefaultParameterSetName = JobSet)]
[OutputType(typeof(CostComparison))]
public sealed class CompareAIBatchCostCommand : JobCmdlet
{
    private const string RequestsSet = "Requests";
    private const string CountsSet = "Counts";
    private const string JobSet = "Job";
    private const int CountChunk = 256;
    private readonly List<BatchRequest> _requests = [];
    private CostPlanner? _planner;
    private PriceTable? _table;

    /// <summary>Requests from New-BatchRequest, to estimate a run before it is sent.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RequestsSet)]
    public BatchRequest[] Request { get; set; } = [];

    /// <summary>The model, for counts given by hand.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = CountsSet)]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string Model { get; set; } = string.Empty;

    /// <summary>Requests per run.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CountsSet)]
    [ValidateRange(0, long.MaxValue)]
    public long Requests { get; set; }

    /// <summary>Average input tokens per request.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CountsSet)]
    [ValidateRange(0, long.MaxValue)]
    public long InputTokens { get; set; }

    /// <summary>Average output tokens per request (with requests from the pipeline: the expected answer length; default each request's MaxTokens).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CountsSet)]
    [Parameter(ParameterSetName = RequestsSet)]
    [ValidateRange(0, long.MaxValue)]
    public long OutputTokens { get; set; }

    /// <summary>Average input tokens per request read from the prompt cache.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = CountsSet)]
    [ValidateRange(0, long.MaxValue)]
    public long CachedInputTokens { get; set; }

    /// <summary>A finished job (id or name, or piped from Get-AIBatch) whose actual usage to price.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = JobSet)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string Id { get; set; } = string.Empty;

    /// <summary>With requests: count their input tokens with the provider's own count-tokens endpoint (one call each) instead of offline.</summary>
    [Parameter(ParameterSetName = RequestsSet)]
    public SwitchParameter CountWithProvider { get; set; }

    /// <summary>With -CountWithProvider: the provider to ask (with -Emulator, the provider it plays).</summary>
    [Parameter(ParameterSetName = RequestsSet)]
    [ValidateSet("OpenAI", "Anthropic", "Gemini", "AzureOpenAI", IgnoreCase = true)]
    public string Provider { get; set; } = "OpenAI";

    /// <summary>With -CountWithProvider: the provider's base URL, as for Submit-AIBatch.</summary>
    [Parameter(ParameterSetName = RequestsSet)]
    public string? BaseUrl { get; set; }

    /// <summary>With -CountWithProvider: count on the in-process emulator.</summary>
    [Parameter(ParameterSetName = RequestsSet)]
    public SwitchParameter Emulator { get; set; }

    /// <summary>What the automation platform charges per operation (a task, an action), in US dollars.</summary>
    [Parameter]
    public decimal PlatformCostPerOperation { get; set; }

    /// <summary>Operations a loop spends per item (default 1).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int OperationsPerItem { get; set; } = 1;

    /// <summary>Operations the batch flow spends per run: submit, check, receive (default 3).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int OperationsPerRun { get; set; } = 3;

    /// <summary>Runs a month, for monthly figures.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int RunsPerMonth { get; set; }

    /// <summary>A JSON price file that overrides or extends the shipped table.</summary>
    [Parameter]
    public string? PriceFile { get; set; }

    /// <summary>Input price per million tokens, by hand (with -OutputPrice): for models the table does not know.</summary>
    [Parameter]
    public decimal InputPrice { get; set; }

    /// <summary>Output price per million tokens, by hand (with -InputPrice).</summary>
    [Parameter]
    public decimal OutputPrice { get; set; }

    /// <summary>The provider named by -Provider (a string, not the engine's enum: see DependencyIsolation).</summary>
    private Providers.ProviderKind ProviderKind => Providers.ProviderNames.Parse(Provider);

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

        _planner = new CostPlanner(Bound(nameof(OutputTokens)) ? OutputTokens : null);
    }

    protected override void ProcessRecord()
    {
        try
        {
            switch (ParameterSetName)
            {
                case RequestsSet:
                    foreach (var request in Request)
                    {
                        if (CountWithProvider)
                        {
                            // Counted a chunk at a time, each chunk in one provider session: memory stays flat however
                            // many requests come down the pipeline.
                            _requests.Add(request);
                            if (_requests.Count == CountChunk)
                            {
                                CountWithTheProvider();
                            }
                        }
                        else
                        {
                            _planner!.Add(request);
                        }
                    }

                    break;
                case CountsSet:
                    Write(Model, new CostInputs { Requests = Requests, InputTokens = Requests * InputTokens, OutputTokens = Requests * OutputTokens, CachedInputTokens = Requests * CachedInputTokens, TokensExact = true });
                    break;
                case JobSet:
                    foreach (var usage in Service.ActualUsage(Id))
                    {
                        Write(usage.Key, usage.Value);
                    }

                    break;
            }
        }
        catch (BatchAIException error)
        {
            WriteError(ErrorRecords.From(error, ParameterSetName == JobSet ? Id : Model));
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != RequestsSet)
        {
            return;
        }

        if (CountWithProvider && _requests.Count > 0)
        {
            CountWithTheProvider();
        }

        foreach (var usage in _planner!.Totals)
        {
            try
            {
                Write(usage.Key, usage.Value);
            }
            catch (BatchAIException error)
            {
                WriteError(ErrorRecords.From(error, usage.Key));
            }
        }
    }

    private void CountWithTheProvider()
    {
        var connection = new Providers.ProviderConnection { Provider = ProviderKind, BaseUrl = BaseUrl, UseEmulator = Emulator.IsPresent, ApiKey = PlainApiKey() };
        var counted = RunEngine(bridge => Service.CountTokensAsync(connection, _requests, bridge, StopToken));
        for (var i = 0; i < _requests.Count; i++)
        {
            _planner!.Add(_requests[i], counted[i]);
        }

        _requests.Clear();
    }

    private void Write(string model, CostInputs inputs)
    {
        inputs.PlatformCostPerOperation = PlatformCostPerOperation;
        inputs.OperationsPerItem = OperationsPerItem;
        inputs.OperationsPerBatchRun = OperationsPerRun;
        inputs.RunsPerMonth = Bound(nameof(RunsPerMonth)) ? RunsPerMonth : null;
        var price = _table!.Find(model, Bound(nameof(InputPrice)) ? InputPrice : null, Bound(nameof(OutputPrice)) ? OutputPrice : null);
        WriteObject(CostCalculator.Compare(price, inputs));
    }

    private bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);
}
