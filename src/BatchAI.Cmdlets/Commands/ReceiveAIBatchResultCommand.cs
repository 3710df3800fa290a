using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Gets the results of finished batch jobs, one per input record, joined to the record.</para>
/// <para type="description">Each row has the record's properties as they were, then custom_id, status, output, error,
/// input_tokens and output_tokens, so it pipes straight into Export-Csv. -AsBatchResult gives the full result objects
/// instead (parsed JSON, error code, provider details).</para>
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "AIBatchResult")]
[OutputType(PSObjects.ResultRowTypeName)]
[OutputType(typeof(BatchResult))]
public sealed class ReceiveAIBatchResultCommand : JobCmdlet
{
    /// <summary>Job ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Write BatchResult objects instead of rows.</summary>
    [Parameter]
    public SwitchParameter AsBatchResult { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            TryRunEngine(
                bridge =>
                {
                    // Every row gets the job's full column list, so Export-Csv (which takes its header from the first
                    // row) keeps every column even when records differ.
                    var job = Service.Get(id);
                    var resultColumns = ResultRows.Names(job.Columns);
                    return Service.ReceiveAsync(
                        job.Id,
                        result => bridge.Output(AsBatchResult ? result : PSObjects.Row(result, job.Columns, resultColumns)),
                        PlainApiKey(),
                        bridge,
                        StopToken);
                },
                id,
                out _);
        }
    }
}
