using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Moves batch jobs on by one step without waiting, for scheduled tasks: downloads what finished, sends again what is retryable, and writes the results once every record is final.</para>
/// <para type="description">Update-AIBatch is the step a Windows scheduled task or a Linux timer runs every few
/// minutes between an evening Submit-AIBatch and the morning's report. It submits batches that wait for room in the
/// provider's queue, asks after the running ones, downloads what ended, sends again expired, canceled and retryably
/// failed records (up to the job's bound on attempts; never for a job you stopped), and once every record is final
/// writes -OutFile and runs -Hook once. It never waits. Its output says where the job stands; its ExitCode property
/// is what batchai advance exits with (0 finished, 3 not yet, 4 finished with failures), so a scheduled script can
/// end with: exit $step.ExitCode.</para>
/// </summary>
[Cmdlet(VerbsData.Update, "AIBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AdvanceResult))]
public sealed class UpdateAIBatchCommand : JobCmdlet
{
    /// <summary>Job ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>The results file written once the job is final (.csv, .tsv or .jsonl); {job} in it stands for the job's id.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Path")]
    [ValidateNotNullOrEmpty]
    public string OutFile { get; set; } = string.Empty;

    /// <summary>A script run once when the job is final and its results are written (.ps1, .sh, .cmd or a program); it gets BATCHAI_* environment variables.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Hook { get; set; }

    /// <summary>How long the hook may run before it is stopped (default 10 minutes).</summary>
    [Parameter]
    public TimeSpan? HookTimeout { get; set; }

    protected override void ProcessRecord()
    {
        var options = new AdvanceOptions
        {
            OutputPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutFile),
            HookPath = Hook is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Hook),
        };
        if (HookTimeout is { } timeout)
        {
            options.HookTimeout = timeout;
        }

        foreach (var id in Id)
        {
            if (!ShouldProcess(id, "Submit what waits for the provider's queue, send again what is retryable, and write the results once the job is final"))
            {
                continue;
            }

            if (TryRunEngine(bridge => Service.AdvanceAsync(id, options, PlainApiKey(), bridge, StopToken), id, out var step))
            {
                WriteObject(step);
            }
        }
    }
}
