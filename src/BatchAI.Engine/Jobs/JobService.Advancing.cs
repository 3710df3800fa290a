using System.Globalization;
using BatchAI.Hosting;

namespace BatchAI.Jobs;

/// <summary>One non-blocking step of a job, for schedulers.</summary>
public sealed partial class JobService
{
    /// <summary>
    /// Moves the job on as far as it can go now, never waiting: submits the batches that wait for room in the
    /// provider's queue, asks after the running ones, downloads what finished, sends again what is retryable (unless
    /// the job was canceled), and once every record is final writes the results file and runs the hook. Run it from
    /// a scheduled task as often as you like: a job already written to the same file is not written again, and the
    /// hook runs once.
    /// </summary>
    public async Task<AdvanceResult> AdvanceAsync(string idOrName, AdvanceOptions options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (options?.OutputPath is not { Length: > 0 } outputPath)
        {
            throw BatchAIException.InvalidInput("AdvanceOutputMissing", "Name the results file that is written once the job is finished (--out / -OutFile).");
        }

        if (options.HookPath is { } hook)
        {
            if (!File.Exists(hook))
            {
                throw BatchAIException.InvalidInput("HookNotFound", $"The hook {hook} does not exist.");
            }

            JobHook.Check(Path.GetFullPath(hook));
        }

        if (options.HookTimeout <= TimeSpan.Zero)
        {
            throw BatchAIException.InvalidInput("HookTimeoutInvalid", "The hook's timeout must be more than zero.");
        }

        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        var manifest = ledger.Load();
        if (manifest.DryRun)
        {
            throw new BatchAIException(ErrorKind.Conflict, "JobDryRun", $"Job {Label(manifest)} is a dry run: nothing was sent. Send it first: batchai resume {manifest.Id}, or Resume-AIBatch.");
        }

        long resubmitted = 0;
        BatchJob job;
        if (manifest.CancelRequestedAt is null)
        {
            var step = await ResubmitAsync(manifest.Id, null, apiKey, reporter, cancellationToken).ConfigureAwait(false);
            resubmitted = step.Resubmitted;
            job = step.Job;
        }
        else
        {
            // A canceled job is let finish: sending its records again would undo the cancel.
            job = await RefreshAsync(manifest.Id, apiKey, reporter, cancellationToken).ConfigureAwait(false);
        }

        if (job.State == JobState.AwaitingRelease)
        {
            return new AdvanceResult(job, AdvanceOutcome.AwaitingRelease);
        }

        if (job.State != JobState.Finished || resubmitted > 0)
        {
            return new AdvanceResult(job, AdvanceOutcome.Running) { Resubmitted = resubmitted };
        }

        var path = Path.GetFullPath(outputPath.Replace("{job}", manifest.Id));
        var result = await ExportAsync(ledger, path, apiKey, reporter, cancellationToken).ConfigureAwait(false);
        if (options.HookPath is { } script && ledger.Load().HookRanAt is null)
        {
            await JobHook.RunAsync(Path.GetFullPath(script), JobHook.Variables(result), options.HookTimeout, reporter, cancellationToken).ConfigureAwait(false);
            result.Job = new BatchJob(Update(ledger, "advance", m => m.HookRanAt = Clock.UtcNow), ledger.Folder);
            result.HookRan = true;
        }

        return result;
    }

    /// <summary>Writes the finished job's results to <paramref name="path"/>, unless an earlier advance already did.</summary>
    private async Task<AdvanceResult> ExportAsync(JobLedger ledger, string path, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        var manifest = ledger.Load();
        var errorLog = Path.Combine(ledger.Folder, ErrorLog.FileName);
        if (string.Equals(manifest.ExportedTo, path, StringComparison.Ordinal) && File.Exists(path) && manifest.Records is { } counts)
        {
            reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: its results were written to {1} at {2:u}; not written again.", manifest.Id, path, manifest.ExportedAt));
            return Finished(new BatchJob(manifest, ledger.Folder), counts.Succeeded, counts.Total, path, exported: false, counts.Succeeded < counts.Total && File.Exists(errorLog) ? errorLog : null);
        }

        // Another job's results in the same file would be overwritten without a word: a nightly job with a fixed
        // --out would replace last night's. {job} in the path gives each job its own file.
        if (List().FirstOrDefault(j => j.Id != manifest.Id && string.Equals(j.ExportedTo, path, StringComparison.Ordinal) && File.Exists(path)) is { } other)
        {
            throw BatchAIException.InvalidInput("AdvanceOutputShared", $"Job {other.Id} already wrote its results to {path}; writing job {manifest.Id}'s there would replace them. Put {{job}} in the path (it stands for the job's id), or name another file.");
        }

        var columns = manifest.Columns;
        ReceiveSummary summary;
        using (var writer = ResultFileWriter.Create(path, columns, reporter))
        {
            summary = await ReceiveAsync(manifest.Id, writer, apiKey, reporter, cancellationToken).ConfigureAwait(false);
            writer.Complete();
        }

        var now = Clock.UtcNow;
        manifest = Update(ledger, "advance", m =>
        {
            m.ExportedTo = path;
            m.ExportedAt = now;
        });
        return Finished(new BatchJob(manifest, ledger.Folder), summary.Succeeded, summary.Total, path, exported: true, summary.ErrorLogPath);
    }

    private static AdvanceResult Finished(BatchJob job, long succeeded, long answered, string path, bool exported, string? errorLog)
    {
        var total = answered + job.SkippedCount;
        return new AdvanceResult(job, succeeded == total ? AdvanceOutcome.Finished : AdvanceOutcome.FinishedWithFailures)
        {
            Total = total,
            Succeeded = succeeded,
            Unsuccessful = total - succeeded,
            OutputPath = path,
            Exported = exported,
            ErrorLogPath = errorLog,
        };
    }

    /// <summary>Changes the manifest under the job's lock and saves it.</summary>
    private JobManifest Update(JobLedger ledger, string operation, Action<JobManifest> change)
    {
        using var held = Lock(ledger, ledger.Load(), operation);
        var manifest = ledger.Load();
        change(manifest);
        ledger.Save(manifest);
        return manifest;
    }
}
