using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Cancels batch jobs. Requests already answered are kept and can still be received.</para>
/// <para type="description">Asks the provider to cancel every unfinished batch of each job; batches not submitted yet
/// never will be. Cancellation takes a while at the provider: the job shows Canceling until every batch has ended.
/// What was answered before stays receivable; the rest comes back Canceled, and a canceled job is not sent again by
/// Update-AIBatch.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "AIBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BatchJob))]
public sealed class StopAIBatchCommand : JobCmdlet
{
    /// <summary>Job ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Write the job after the cancel request.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, "Cancel the job's unfinished batches"))
            {
                continue;
            }

            if (TryRunEngine(bridge => Service.CancelAsync(id, PlainApiKey(), bridge, StopToken), id, out var job) && PassThru)
            {
                WriteObject(job);
            }
        }
    }
}
