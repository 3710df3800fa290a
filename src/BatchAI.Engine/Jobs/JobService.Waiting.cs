using System.Globalization;
using BatchAI.Hosting;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>Waiting for jobs and canceling them.</summary>
public sealed partial class JobService
{
    /// <summary>
    /// Polls until every batch of the job is final (or any one, with <see cref="WaitOptions.Any"/>), at growing
    /// intervals, reporting progress, and submits the batches that wait for room in the provider's queue as earlier
    /// ones finish. Returns with <see cref="WaitOutcome.TimedOut"/> set when the timeout comes first.
    /// </summary>
    public async Task<WaitOutcome> WaitAsync(string idOrName, WaitOptions options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken) =>
        (await WaitAsync([idOrName], options, apiKey, reporter, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Waits for several jobs at once, with one progress report: until every batch of every job is final, or, with
    /// <see cref="WaitOptions.Any"/>, until any one batch is. One outcome per job, in the order given; a job counts as
    /// timed out when the timeout ended the wait before it finished.
    /// </summary>
    public async Task<IReadOnlyList<WaitOutcome>> WaitAsync(IReadOnlyList<string> jobs, WaitOptions options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (jobs is null || jobs.Count == 0)
        {
            throw new ArgumentException("Name at least one job to wait for.", nameof(jobs));
        }

        options ??= new WaitOptions();
        reporter ??= NullReporter.Instance;
        var watched = jobs.Select(Resolve).GroupBy(l => l.Folder).Select(g => g.First()).Select(l => (Ledger: l, Manifest: l.Load())).ToList();
        foreach (var job in watched)
        {
            RequireSubmitted(job.Manifest);
        }

        var locks = new List<JobLock>();
        try
        {
            foreach (var job in watched)
            {
                locks.Add(Lock(job.Ledger, job.Manifest, "wait"));
            }

            return await WaitLockedAsync(watched.Select(w => (w.Ledger, w.Ledger.Load())).ToList(), options, apiKey, reporter, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var held in locks)
            {
                held.Dispose();
            }
        }
    }

    private async Task<IReadOnlyList<WaitOutcome>> WaitLockedAsync(List<(JobLedger Ledger, JobManifest Manifest)> watched, WaitOptions options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        var providers = new List<IBatchProvider>();
        var activity = watched.Count == 1 ? "Waiting for job " + Label(watched[0].Manifest) : string.Format(CultureInfo.InvariantCulture, "Waiting for {0} jobs", watched.Count);
        var start = Clock.UtcNow;
        var interval = options.FirstPollInterval;
        try
        {
            providers.AddRange(watched.Select(w => CreateProvider(w.Manifest.Connection(apiKey), reporter)));
            while (true)
            {
                for (var i = 0; i < watched.Count; i++)
                {
                    var (ledger, manifest) = watched[i];
                    await RefreshAsync(ledger, manifest, providers[i], cancellationToken).ConfigureAwait(false);
                    if (manifest.CancelRequestedAt is null)
                    {
                        await SubmitPendingPartsAsync(ledger, manifest, providers[i], reporter, cancellationToken, whileWaiting: true).ConfigureAwait(false);
                    }
                }

                var snapshots = watched.Select(w => new BatchJob(w.Manifest, w.Ledger.Folder)).ToList();
                var batches = snapshots.SelectMany(j => j.Batches).ToList();
                var finished = batches.Count(b => b.State.IsFinal());
                var awaited = batches.Count(b => !b.Held); // a pilot's held batches are not waited for: they wait for a release
                reporter.Progress(new ProgressReport(activity, snapshots.Count == 1 ? Describe(snapshots[0]) : Describe(snapshots), Percent(snapshots)));
                if (finished == awaited || (options.Any && finished > 0))
                {
                    return CountRecords(watched).Select(j => new WaitOutcome(j, timedOut: false)).ToList();
                }

                var elapsed = Clock.UtcNow - start;
                if (options.Timeout is { } timeout && elapsed >= timeout)
                {
                    reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Stopped waiting after {0:0} s; unfinished jobs go on at the provider.", elapsed.TotalSeconds));
                    return CountRecords(watched).Select(j => new WaitOutcome(j, timedOut: j.State is not (JobState.Finished or JobState.AwaitingRelease))).ToList();
                }

                var delay = options.Timeout is { } limit && limit - elapsed < interval ? limit - elapsed : interval;
                await Clock.Delay(delay, cancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * 1.5), options.MaxPollInterval.Ticks));
            }
        }
        finally
        {
            foreach (var provider in providers)
            {
                provider.Dispose();
            }

            reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
        }
    }

    /// <summary>Cancels every unfinished batch of the job; batches not submitted yet will not be.</summary>
    public async Task<BatchJob> CancelAsync(string idOrName, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "cancel");
        var manifest = ledger.Load();
        manifest.CancelRequestedAt ??= Clock.UtcNow;
        ledger.Save(manifest);
        using var provider = CreateProvider(manifest.Connection(apiKey), reporter);
        foreach (var part in manifest.Parts.Where(p => !p.State.IsFinal()))
        {
            if (part.BatchId is null)
            {
                part.State = BatchState.Canceled;
                part.FinishedAt = Clock.UtcNow;
            }
            else
            {
                part.Apply(await provider.CancelAsync(part.BatchId, cancellationToken).ConfigureAwait(false), Clock.UtcNow);
                reporter.Verbose($"Batch {part.BatchId} of job {manifest.Id}: cancel requested, now {part.State}.");
            }

            ledger.Save(manifest);
        }

        return new BatchJob(manifest, ledger.Folder);
    }

    /// <summary>Records the jobs' per-record counts as they now stand, and returns the jobs.</summary>
    private static List<BatchJob> CountRecords(List<(JobLedger Ledger, JobManifest Manifest)> jobs)
    {
        foreach (var (ledger, manifest) in jobs)
        {
            manifest.Records = JobRecords.Count(ledger, manifest);
            ledger.Save(manifest);
        }

        return jobs.Select(j => new BatchJob(j.Manifest, j.Ledger.Folder)).ToList();
    }

    private static string Describe(BatchJob job)
    {
        var done = job.CompletedCount + job.FailedCount;
        return string.Format(CultureInfo.InvariantCulture, "{0} · {1:N0} of {2:N0} requests done", job.BatchSummary, done, job.RequestCount);
    }

    private static string Describe(List<BatchJob> jobs)
    {
        var batches = jobs.SelectMany(j => j.Batches).ToList();
        return string.Format(
            CultureInfo.InvariantCulture,
            "{0} of {1} jobs finished · {2} of {3} batches final · {4:N0} of {5:N0} requests done",
            jobs.Count(j => j.State == JobState.Finished),
            jobs.Count,
            batches.Count(b => b.State.IsFinal()),
            batches.Count,
            jobs.Sum(j => j.CompletedCount + j.FailedCount),
            jobs.Sum(j => j.RequestCount));
    }

    private static int Percent(List<BatchJob> jobs)
    {
        var batches = jobs.SelectMany(j => j.Batches).ToList();
        var requests = jobs.Sum(j => j.RequestCount);
        var byRequests = requests == 0 ? 0 : jobs.Sum(j => j.CompletedCount + j.FailedCount) * 100 / requests;
        var byBatches = batches.Count == 0 ? 0 : batches.Count(b => b.State.IsFinal()) * 100 / batches.Count;
        return (int)Math.Min(100, Math.Max(byRequests, byBatches));
    }
}
