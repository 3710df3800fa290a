using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Realtime;
using BatchAI.Requests;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Sends batch requests to the provider's synchronous endpoint, for steps someone is waiting on, and returns results shaped as Receive-AIBatchResult's.</para>
/// <para type="description">The real-time lane: the same BatchRequest objects as Submit-AIBatch, one call each, at most
/// -MaxConcurrency at once, kept under -RequestsPerMinute and -TokensPerMinute, retried with backoff on 429 and 5xx.
/// Results come back in input order as the same rows (or, with -AsBatchResult, the same objects) a batch gives, so
/// downstream code does not care which lane ran. Full price: use it only where Test-AIStepUrgency says so.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "AIRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ProviderSet)]
[OutputType(PSObjects.ResultRowTypeName)]
[OutputType(typeof(BatchResult))]
public sealed class InvokeAIRequestCommand : JobCmdlet
{
    private const string ProviderSet = "Provider";
    private const string EmulatorSet = "Emulator";
    private readonly List<BatchRequest> _requests = [];

    /// <summary>The requests, from New-BatchRequest.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public BatchRequest[] Request { get; set; } = [];

    /// <summary>The provider whose synchronous API answers (with -Emulator: the provider it plays).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    [Parameter(ParameterSetName = EmulatorSet)]
    [ValidateSet("OpenAI", "Anthropic", "Gemini", "AzureOpenAI", IgnoreCase = true)]
    public string Provider { get; set; } = "OpenAI";

    /// <summary>The provider's base URL as its SDK takes it (see Submit-AIBatch).</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    public string? BaseUrl { get; set; }

    /// <summary>Gemini: v1beta (default) or v1.</summary>
    [Parameter(ParameterSetName = ProviderSet)]
    public string? ApiVersion { get; set; }

    /// <summary>Run on the in-process emulator: no network, no key, no cost.</summary>
    [Parameter(Mandatory = true, ParameterSetName = EmulatorSet)]
    public SwitchParameter Emulator { get; set; }

    /// <summary>Calls in flight at once (default 4).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Stay under this many requests a minute (your account's limit for the model).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int RequestsPerMinute { get; set; }

    /// <summary>Stay under this many tokens a minute (input estimate plus each answer's MaxTokens).</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long TokensPerMinute { get; set; }

    /// <summary>Write BatchResult objects instead of rows.</summary>
    [Parameter]
    public SwitchParameter AsBatchResult { get; set; }

    /// <summary>The provider named by -Provider (a string, not the engine's enum: see DependencyIsolation).</summary>
    private Providers.ProviderKind ProviderKind => Providers.ProviderNames.Parse(Provider);

    protected override void ProcessRecord() => _requests.AddRange(Request);

    protected override void EndProcessing()
    {
        if (_requests.Count == 0 || !ShouldProcess(string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0:N0} request(s) to {1}{2}", _requests.Count, Provider, Emulator ? " (in-process emulator)" : string.Empty), "Call the model synchronously, at full price"))
        {
            return;
        }

        var connection = new ProviderConnection { Provider = ProviderKind, BaseUrl = BaseUrl, ApiVersion = ApiVersion, UseEmulator = Emulator.IsPresent, ApiKey = PlainApiKey() };
        var options = new RealtimeOptions
        {
            MaxConcurrency = MaxConcurrency,
            RequestsPerMinute = MyInvocation.BoundParameters.ContainsKey(nameof(RequestsPerMinute)) ? RequestsPerMinute : null,
            TokensPerMinute = MyInvocation.BoundParameters.ContainsKey(nameof(TokensPerMinute)) ? TokensPerMinute : null,
        };

        // Rows carry every column any request's record had, so Export-Csv keeps them all.
        var columns = _requests.SelectMany(r => r.Source.Columns.Names).Distinct(StringComparer.Ordinal).ToList();
        var resultColumns = ResultRows.Names(columns);
        var summary = RunEngine(bridge => Service.RunRealtimeAsync(connection, _requests, options, result => bridge.Output(AsBatchResult ? result : PSObjects.Row(result, columns, resultColumns)), bridge, StopToken));
        WriteVerbose(string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0:N0} request(s): {1:N0} succeeded, {2:N0} failed; {3:N0} call(s), {4:N0} 429(s) met, {5:0.0} s.", summary.Requests, summary.Succeeded, summary.Failed, summary.Calls, summary.RateLimited, summary.WallTime.TotalSeconds));
    }
}
