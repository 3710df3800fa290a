using System.Globalization;

namespace BatchAI.Jobs;

/// <summary>Where one advance left a job: what a scheduled task's exit code reports.</summary>
public enum AdvanceOutcome
{
    /// <summary>Batches are still running (or waiting for room in the provider's queue, or were just sent again).</summary>
    Running,

    /// <summary>A pilot has finished; the rest of the job waits for someone to release it. Nothing was exported.</summary>
    AwaitingRelease,

    /// <summary>Every record succeeded; the results are written.</summary>
    Finished,

    /// <summary>Every record is final and the results are written, but some did not succeed (or were skipped at submit).</summary>
    FinishedWithFailures,
}

/// <summary>What <see cref="JobService.AdvanceAsync"/> does once the job is final.</summary>
public sealed class AdvanceOptions
{
    /// <summary>
    /// The results file (.csv, .tsv or .jsonl) written when the job is final. Required. <c>{job}</c> in it stands for
    /// the job's id, so one path serves several jobs.
    /// </summary>
    public string? OutputPath { get; set; }

    /// <summary>
    /// A script or program run once when the job is final and its results are written (a <c>.ps1</c> through
    /// PowerShell, a <c>.cmd</c>/<c>.bat</c> through cmd on Windows, a <c>.sh</c> through sh, anything else run as it
    /// is). It gets the outcome in BATCHAI_* environment variables; a failure or a timeout is an error, and the next
    /// advance runs it again.
    /// </summary>
    public string? HookPath { get; set; }

    /// <summary>How long the hook may run before it is stopped and counted as failed.</summary>
    public TimeSpan HookTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The answer of one advance: the job as it now stands and what this step did.</summary>
public sealed class AdvanceResult
{
    internal AdvanceResult(BatchJob job, AdvanceOutcome outcome)
    {
        Job = job;
        Outcome = outcome;
    }

    public BatchJob Job { get; internal set; }

    public string JobId => Job.Id;

    public string? Name => Job.Name;

    public AdvanceOutcome Outcome { get; }

    /// <summary>Records this step sent again (expired, canceled or retryably failed ones with attempts left).</summary>
    public long Resubmitted { get; init; }

    /// <summary>Once the job is final: its records (those skipped at submit included), and how many succeeded.</summary>
    public long? Total { get; init; }

    public long? Succeeded { get; init; }

    /// <summary>Records without a successful answer: failed, expired or canceled for good, or skipped at submit.</summary>
    public long? Unsuccessful { get; init; }

    /// <summary>The results file, once written (by this step or an earlier one).</summary>
    public string? OutputPath { get; init; }

    /// <summary>Whether this step wrote the results file (false when an earlier advance already had).</summary>
    public bool Exported { get; init; }

    /// <summary>The job's error log, one line per record that did not succeed; null when all did.</summary>
    public string? ErrorLogPath { get; init; }

    /// <summary>Whether this step ran the hook (it runs once per job, after the results are written).</summary>
    public bool HookRan { get; internal set; }

    /// <summary>What <c>batchai advance</c> exits with, for a scheduled script to pass on: <c>exit $step.ExitCode</c>.</summary>
    public int ExitCode => ExitCodeFor(Outcome);

    /// <summary>0 finished, 3 not finished yet (running, or a pilot awaiting release), 4 finished with failures.</summary>
    public static int ExitCodeFor(AdvanceOutcome outcome) => outcome switch
    {
        AdvanceOutcome.Finished => 0,
        AdvanceOutcome.FinishedWithFailures => 4,
        _ => 3,
    };

    public override string ToString() => Outcome switch
    {
        AdvanceOutcome.Running => string.Format(CultureInfo.InvariantCulture, "Job {0} is still running ({1}){2}.", Job.Id, Job.BatchSummary, Resubmitted > 0 ? string.Format(CultureInfo.InvariantCulture, "; {0:N0} record(s) sent again", Resubmitted) : string.Empty),
        AdvanceOutcome.AwaitingRelease => string.Format(CultureInfo.InvariantCulture, "Job {0}: the pilot has finished; the rest waits for a release (batchai release {0}, or Resume-AIBatch -Release).", Job.Id),
        _ => string.Format(CultureInfo.InvariantCulture, "Job {0} is finished: {1:N0} of {2:N0} record(s) succeeded. Results {3} {4}{5}.", Job.Id, Succeeded, Total, Exported ? "written to" : "already in", OutputPath, HookRan ? "; the hook ran" : string.Empty),
    };
}
