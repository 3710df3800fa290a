using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Gets batch jobs from the job store, asking the provider how unfinished ones stand.</para>
/// <para type="description">Without -Id, lists every job, newest first. -Id takes ids or names, with wildcards.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "AIBatch")]
[OutputType(typeof(BatchJob))]
public sealed class GetAIBatchCommand : JobCmdlet
{
    /// <summary>Job ids or names; wildcards allowed. Omit to list every job.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(JobCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Show what the store last recorded, without asking the provider.</summary>
    [Parameter]
    public SwitchParameter NoRefresh { get; set; }

    protected override void ProcessRecord()
    {
        var search = Service.Find(Id);
        foreach (var id in search.Unmatched)
        {
            WriteError(ErrorRecords.From(new BatchAIException(ErrorKind.NotFound, "JobNotFound", $"There is no job '{id}' in the store at {Service.StorePath}."), id));
        }

        foreach (var job in search.Jobs)
        {
            if (NoRefresh || job.State == Jobs.JobState.Finished)
            {
                WriteObject(job);
            }
            else if (TryRunEngine(bridge => Service.RefreshAsync(job.Id, PlainApiKey(), bridge, StopToken), job.Id, out var refreshed))
            {
                WriteObject(refreshed);
            }
        }
    }
}
