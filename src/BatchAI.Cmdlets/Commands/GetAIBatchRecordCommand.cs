using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Gets the records of a batch job as the job store knows them: each one's state, batch, attempts and error.</para>
/// <para type="description">Reads the store only (no provider calls): pending, submitted, succeeded, failed, expired or
/// canceled, and whether a resubmit (Submit-AIBatch -Retry) would send it again. -State filters.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "AIBatchRecord")]
[OutputType(typeof(JobRecord))]
public sealed class GetAIBatchRecordCommand : JobCmdlet
{
    /// <summary>The job's id or name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Only records in these states.</summary>
    [Parameter]
    public RecordState[]? State { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            try
            {
                foreach (var record in Service.Records(id, State))
                {
                    WriteObject(record);
                }
            }
            catch (BatchAIException error)
            {
                WriteError(ErrorRecords.From(error, id));
            }
        }
    }
}
