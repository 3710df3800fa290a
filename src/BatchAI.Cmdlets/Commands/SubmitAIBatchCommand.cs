using System.Globalization;
using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Submits batch requests from the pipeline as one job of provider batches (half price, within 24 hours).</para>
/// <para type="description">Requests are streamed to the job store as they arrive and sent when the pipeline ends.
/// If any request is invalid (a duplicate custom id, too large for a batch), nothing is sent. Returns the job.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Submit, "AIBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ProviderSet)]
[OutputType(typeof(BatchJob))]
public sealed class SubmitAIBatchCommand : JobCmdlet
{
    private const string ProviderSet = "Provider";
    private const string EmulatorSet = "Emulator";
    private JobDraft? _draft;

    /// <summary>The requests, from New-BatchRequest.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public BatchRequest[] Request { get; set; } = [];

    /// <summary>A name to address the job by.</summary>
    [Parameter]
    public string? Name { get; set; }

    /// <summary>The provider whose Batch API runs the job (with -Emulator: the provider the emulator plays).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    public ProviderKind Provider { get; set; } = ProviderKind.OpenAI;

    /// <summary>
    /// The provider's base URL as its SDK takes it: OpenAI http://host/v1, Anthropic and Gemini http://host, Azure OpenAI
    /// the resource endpoint (default: AZURE_OPENAI_ENDPOINT). For batchai emulator, a gateway or a compatible server.
    /// </summary>
    [Parameter(ParameterSetName = ProviderSet)]
    public string? BaseUrl { get; set; }

    /// <summary>Azure OpenAI: a dated API version (e.g. 2024-10-21) selects the legacy routes; default the v1 routes. Gemini: v1beta (default) or v1.</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    public string? ApiVersion { get; set; }

    /// <summary>Run on the in-process emulator: no network, no key, no cost.</summary>
    [Parameter(Mandatory = true, ParameterSetName = EmulatorSet)]
    public SwitchParameter Emulator { get; set; }

    protected override void BeginProcessing()
    {
        var definition = new Jobs.JobDefinition
        {
            Name = Name,
            Input = "PowerShell pipeline",
            Connection = new ProviderConnection
            {
                Provider = Provider,
                BaseUrl = BaseUrl,
                ApiVersion = ApiVersion,
                UseEmulator = Emulator.IsPresent,
                ApiKey = PlainApiKey(),
            },
        };
        try
        {
            _draft = Service.CreateDraft(definition, Hosting.NullReporter.Instance);
        }
        catch (BatchAIException error)
        {
            ThrowTerminatingError(ErrorRecords.From(error, null));
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var request in Request)
        {
            foreach (var problem in _draft!.Add(request))
            {
                WriteError(ErrorRecords.From(problem, request));
            }
        }
    }

    protected override void EndProcessing()
    {
        var draft = _draft!;
        try
        {
            draft.ThrowIfAnyRejected();
        }
        catch (InvalidRecordsException error)
        {
            ThrowTerminatingError(ErrorRecords.From(error, null));
        }

        var target = string.Format(CultureInfo.InvariantCulture, "{0:N0} request(s) in {1} {2} batch(es){3}", draft.Count, draft.PartCount, draft.Provider, Emulator ? " (in-process emulator)" : string.Empty);
        if (!ShouldProcess(target, "Submit"))
        {
            return;
        }

        var job = RunEngine(bridge => Service.SubmitAsync(draft, bridge, StopToken));
        WriteObject(job);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _draft?.Dispose();
        }

        base.Dispose(disposing);
    }
}
