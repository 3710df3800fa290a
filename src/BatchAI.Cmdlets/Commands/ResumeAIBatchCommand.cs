using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Picks up jobs an interrupted run left behind: submits their batches not yet sent, looks at the running ones, downloads what ended. Never waits.</para>
/// <para type="description">After a crash, a reboot or Ctrl+C during Submit-AIBatch, Wait-AIBatch or
/// Receive-AIBatchResult, run Resume-AIBatch on the job: nothing is lost or sent twice. A batch the provider created
/// before the interruption, but that the store had not yet recorded, is found by its metadata (OpenAI, Azure OpenAI)
/// or display name (Gemini) rather than created again; Anthropic batches carry no such mark.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "AIBatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BatchJob))]
public sealed class ResumeAIBatchCommand : JobCmdlet
{
    /// <summary>Job ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Near the job's deadline: cancel its running batches and run every record not yet answered in real time (full price).</summary>
    [Parameter]
    public SwitchParameter Fallback { get; set; }

    /// <summary>With -Fallback: run now, whatever the deadline.</summary>
    [Parameter]
    public SwitchParameter Now { get; set; }

    /// <summary>Also submit what a pilot (Submit-AIBatch -Pilot) held back: the rest of the job, once the pilot's results look right.</summary>
    [Parameter]
    public SwitchParameter Release { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, Fallback ? "Cancel the job's running batches and run its unanswered records in real time, at full price" : Release ? "Release the held rest of the pilot job, and submit it" : "Submit the job's batches not yet sent and download what ended"))
            {
                continue;
            }

            if (Fallback)
            {
                if (TryRunEngine(bridge => Service.FallbackAsync(id, new FallbackOptions { Now = Now.IsPresent }, PlainApiKey(), bridge, StopToken), id, out var summary))
                {
                    WriteVerbose(string.Format(System.Globalization.CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) run in real time, {2:0.00####} USD over their batch price.", summary.Job, summary.Records, summary.ExtraCost));
                    WriteObject(summary.Job);
                }

                continue;
            }

            if (TryRunEngine(bridge => Service.ResumeAsync(id, PlainApiKey(), bridge, StopToken, Release.IsPresent), id, out var job))
            {
                WriteObject(job);
            }
        }
    }
}
