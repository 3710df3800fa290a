using System.Management.Automation;
using BatchAI.Costs;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Reports what a batch job did, from the job store: wall time, cost at batch rates against a real-time loop, failures by cause, resubmissions, what is outstanding.</para>
/// <para type="description">Everything comes from the job store, so a report costs no call to the provider and works
/// for jobs long finished. The batch cost is priced from the tokens the provider reported, at the model's batch rates
/// (Get-AIModelPrice, or -PriceFile), beside what the same requests would have cost in real time.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "AIBatchReport")]
[OutputType(typeof(JobReport))]
public sealed class GetAIBatchReportCommand : JobCmdlet
{
    /// <summary>Job ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>A JSON price file that overrides or extends the shipped price table.</summary>
    [Parameter]
    public string? PriceFile { get; set; }

    protected override void ProcessRecord()
    {
        PriceTable prices;
        try
        {
            prices = PriceTable.Load(PriceFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(PriceFile));
        }
        catch (BatchAIException error)
        {
            ThrowTerminatingError(ErrorRecords.From(error, PriceFile));
            return;
        }

        foreach (var id in Id)
        {
            try
            {
                WriteObject(Service.Report(id, prices));
            }
            catch (BatchAIException error)
            {
                WriteError(ErrorRecords.From(error, id));
            }
        }
    }
}
