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
/// If any request is invalid (a duplicate custom id, too large for a batch), nothing is sent. Returns the job.
/// With -Retry, sends a submitted job's expired, canceled and retryably failed records again, as new batches of the
/// same job, up to -MaxAttempts sends per record; invalid requests are not sent again.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Submit, "AIBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ProviderSet)]
[OutputType(typeof(BatchJob))]
public sealed class SubmitAIBatchCommand : JobCmdlet
{
    private const string ProviderSet = "Provider";
    private const string EmulatorSet = "Emulator";
    private const string RetrySet = "Retry";
    private JobDraft? _draft;

    /// <summary>The requests, from New-BatchRequest.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ProviderSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = EmulatorSet)]
    public BatchRequest[] Request { get; set; } = [];

    /// <summary>A name to address the job by.</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    public string? Name { get; set; }

    /// <summary>At most this many requests per provider batch (default: the provider's limit, e.g. 50,000 for OpenAI).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; }

    /// <summary>
    /// Input tokens to keep queued at the provider at once: your account's enqueued-token limit for the model (default:
    /// the provider's documented lowest tier, e.g. 2,000,000 for OpenAI; 0 for none). More is submitted as earlier batches finish.
    /// </summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    [ValidateRange(0, long.MaxValue)]
    public long MaxQueuedTokens { get; set; }

    /// <summary>Requests to keep queued at the provider at once (Anthropic's processing queue; default 100,000; 0 for none).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    [ValidateRange(0, long.MaxValue)]
    public long MaxQueuedRequests { get; set; }

    /// <summary>Keep the input and output files at the provider after the results are received (default: delete them).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    public SwitchParameter KeepProviderFiles { get; set; }

    /// <summary>Leave invalid requests out (each is still written as an error) and submit the rest, instead of sending nothing.</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    public SwitchParameter SkipInvalid { get; set; }

    /// <summary>Submit only the first this-many requests; the rest are held until Resume-AIBatch -Release, after the pilot's results were checked.</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    [ValidateRange(1, long.MaxValue)]
    public long Pilot { get; set; }

    /// <summary>When the results are needed; near it, Resume-AIBatch -Fallback runs what is unfinished in real time.</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    public DateTime Deadline { get; set; }

    /// <summary>Prepare everything up to the upload and send nothing (no key needed); Resume-AIBatch sends it.</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    public SwitchParameter DryRun { get; set; }

    /// <summary>Submit even when the estimated cost passes the store's spending cap (Set-AIBatchSpendingCap).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>Resubmit the retryable records of the jobs given by -Id (or piped from Get-AIBatch).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RetrySet)]
    public SwitchParameter Retry { get; set; }

    /// <summary>With -Retry: job ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = RetrySet)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>With -Retry: how many times a record may be sent in all, the first included (default: the job's, 5 unless changed).</summary>
    [Parameter(ParameterSetName = RetrySet)]
    [ValidateRange(1, 1000)]
    public int MaxAttempts { get; set; }

    /// <summary>The provider whose Batch API runs the job (with -Emulator: the provider the emulator plays).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    [ValidateSet("OpenAI", "Anthropic", "Gemini", "AzureOpenAI", IgnoreCase = true)]
    public string Provider { get; set; } = "OpenAI";

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

    /// <summary>The provider named by -Provider (a string, not the engine's enum: see DependencyIsolation).</summary>
    private Providers.ProviderKind ProviderKind => Providers.ProviderNames.Parse(Provider);

    protected override void BeginProcessing()
    {
        if (Retry)
        {
            return;
        }

        var definition = new Jobs.JobDefinition
        {
            Name = Name,
            Input = "PowerShell pipeline",
            MaxRequestsPerBatch = MyInvocation.BoundParameters.ContainsKey(nameof(BatchSize)) ? BatchSize : null,
            MaxQueuedTokens = MyInvocation.BoundParameters.ContainsKey(nameof(MaxQueuedTokens)) ? MaxQueuedTokens : null,
            MaxQueuedRequests = MyInvocation.BoundParameters.ContainsKey(nameof(MaxQueuedRequests)) ? MaxQueuedRequests : null,
            KeepProviderFiles = KeepProviderFiles.IsPresent,
            SkipInvalidRecords = SkipInvalid.IsPresent,
            IgnoreSpendingCap = Force.IsPresent,
            DryRun = DryRun.IsPresent,
            Deadline = MyInvocation.BoundParameters.ContainsKey(nameof(Deadline)) ? new DateTimeOffset(Deadline.ToUniversalTime(), TimeSpan.Zero) : null,
            PilotSize = MyInvocation.BoundParameters.ContainsKey(nameof(Pilot)) ? Pilot : null,
            Connection = new ProviderConnection
            {
                Provider = ProviderKind,
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
        if (Retry)
        {
            ResubmitJobs();
            return;
        }

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
        if (Retry)
        {
            return;
        }

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

    private void ResubmitJobs()
    {
        var options = new ResubmitOptions { MaxAttempts = MyInvocation.BoundParameters.ContainsKey(nameof(MaxAttempts)) ? MaxAttempts : null };
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, "Resubmit the job's expired, canceled and retryably failed records"))
            {
                continue;
            }

            if (TryRunEngine(bridge => Service.ResubmitAsync(id, options, PlainApiKey(), bridge, StopToken), id, out var summary))
            {
                WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1}; {2:N0} record(s) resubmitted in {3} new batch(es).", summary.Job, summary.Before, summary.Resubmitted, summary.Batches));
                WriteObject(summary.Job);
            }
        }
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
