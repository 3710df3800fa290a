using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Waits until batch jobs finish, checking at growing intervals, with one progress bar.</para>
/// <para type="description">Like Wait-Job: returns the jobs that finished; with -Timeout, each job still unfinished
/// gets a non-terminating error. -Any returns as soon as any one batch is final. Batches waiting for room in the
/// provider's queue (see Submit-AIBatch -MaxQueuedTokens) are submitted as earlier ones finish, which is why it takes
/// -WhatIf and -Confirm (at a low impact: it does not ask unless told to).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "AIBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BatchJob))]
public sealed class WaitAIBatchCommand : JobCmdlet
{
    private readonly List<string> _ids = [];

    /// <summary>Job ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Seconds to wait at most; -1 (the default) waits until the jobs finish.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(-1, int.MaxValue)]
    public int Timeout { get; set; } = -1;

    /// <summary>Return as soon as any one batch is final.</summary>
    [Parameter]
    public SwitchParameter Any { get; set; }

    protected override void ProcessRecord() => _ids.AddRange(Id);

    protected override void EndProcessing()
    {
        var ids = _ids.Where(id => ShouldProcess(id, "Wait for the job, submitting its batches that wait for room in the provider's queue as earlier ones finish")).ToList();
        if (ids.Count == 0)
        {
            return;
        }

        var options = new WaitOptions { Any = Any, Timeout = Timeout < 0 ? null : TimeSpan.FromSeconds(Timeout) };
        var outcomes = RunEngine(bridge => Service.WaitAsync(ids, options, PlainApiKey(), bridge, StopToken));
        foreach (var outcome in outcomes)
        {
            if (!outcome.TimedOut)
            {
                WriteObject(outcome.Job);
                continue;
            }

            var message = outcome.TimeoutMessage(options.Timeout!.Value);
            WriteError(new ErrorRecord(new TimeoutException(message), "AIBatchWaitTimeout", ErrorCategory.OperationTimeout, outcome.Job));
        }
    }
}
