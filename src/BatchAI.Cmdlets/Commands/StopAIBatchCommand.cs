using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Cancels batch jobs. Requests already answered are kept and can still be received.</para>
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
