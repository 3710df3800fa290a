using System.Globalization;
using BatchAI.Hosting;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>Finishing what expired, failed or was interrupted: resubmission, resume, release, deadline fallback.</summary>
public sealed partial class JobService
{
    /// <summary>
    /// Near the job's deadline (or now, when asked), cancels its batches still running, takes in what they finished,
    /// and sends every record not yet answered through the real-time lane; reports the extra cost over batch prices.
    /// </summary>
    public async Task<FallbackSummary> FallbackAsync(string idOrName, FallbackOptions? options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        options ??= new FallbackOptions();
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "fallback");
        var manifest = ledger.Load();
        DeadlineFallback.CheckTime(manifest, options, Clock.UtcNow);
        var counters = new Providers.Http.HttpCounters();
        using var provider = CreateProvider(manifest.Connection(apiKey), reporter, counters);

        // Stop what still runs, so no record is paid for in both lanes; what a pilot holds will not be sent as a batch.
        var canceled = 0;
        foreach (var part in manifest.Parts.Where(p => !p.State.IsFinal()))
        {
            if (part.BatchId is null)
            {
                part.State = BatchState.Canceled;
                part.Held = false;
                part.FinishedAt = Clock.UtcNow;
            }
            else
            {
                part.Apply(await provider.CancelAsync(part.BatchId, cancellationToken).ConfigureAwait(false), Clock.UtcNow);
                canceled++;
            }

            ledger.Save(manifest);
        }

        var waited = TimeSpan.Zero;
        while (manifest.Parts.Any(p => !p.State.IsFinal()))
        {
            if (waited >= options.CancelWait)
            {
                throw new BatchAIException(ErrorKind.Unavailable, "FallbackBatchesStillRunning", $"Job {manifest.Id}: {manifest.Parts.Count(p => !p.State.IsFinal())} batch(es) are still canceling after {options.CancelWait.TotalMinutes:0} min; run the fallback again shortly.");
            }

            await Clock.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            waited += TimeSpan.FromSeconds(2);
            await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
        }

        await DownloadFinishedAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);

        var requests = DeadlineFallback.Unanswered(ledger, manifest);
        var results = new List<BatchResult>(requests.Count);
        var lane = await Realtime.RealtimeLane.RunAsync(provider, counters, requests, options.Realtime, results.Add, Clock, cancellationToken).ConfigureAwait(false);
        if (requests.Count > 0)
        {
            DeadlineFallback.Record(ledger, manifest, provider, requests, results, Clock.UtcNow);
        }

        manifest.Records = JobRecords.Count(ledger, manifest);
        ledger.Save(manifest);
        var (realtimeCost, batchCost) = DeadlineFallback.Cost(results, requests, Costs.PriceTable.Load(_options.PriceFile));
        reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) through the real-time lane, {2:0.00####} USD over their batch price.", manifest.Id, requests.Count, realtimeCost - batchCost));
        return new FallbackSummary
        {
            Job = new BatchJob(manifest, ledger.Folder),
            Records = requests.Count,
            Succeeded = lane.Succeeded,
            Failed = lane.Failed,
            BatchesCanceled = canceled,
            RealtimeCost = realtimeCost,
            BatchCost = batchCost,
            Lane = lane,
        };
    }

    /// <summary>
    /// Sends again, as new provider batches of the same job, every record whose latest attempt expired, was canceled
    /// or failed in a way worth retrying, up to the job's bound on attempts. Batches still running are left to run;
    /// their records can go again after they end. Permanent failures (an invalid request) are not sent again.
    /// </summary>
    public async Task<ResubmitSummary> ResubmitAsync(string idOrName, ResubmitOptions? options, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        options ??= new ResubmitOptions();
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), "resubmit");
        var manifest = ledger.Load();
        if (options.MaxAttempts is { } maxAttempts)
        {
            if (maxAttempts < 1)
            {
                throw BatchAIException.InvalidInput("MaxAttemptsInvalid", "The bound on attempts must be 1 or more.");
            }

            manifest.MaxAttempts = maxAttempts;
            ledger.Save(manifest);
        }

        using var provider = CreateProvider(manifest.Connection(apiKey), reporter);
        await SubmitPendingPartsAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
        await DownloadFinishedAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);

        var before = JobRecords.Count(ledger, manifest);
        var (parts, resent, exhausted) = Resubmission.Prepare(ledger, manifest, provider.Limits);
        if (parts.Count > 0)
        {
            manifest.Parts.AddRange(parts);
            ledger.Save(manifest);
            reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) go again in {2} new batch(es) (attempt {3}).", manifest.Id, resent, parts.Count, parts[0].Attempt));
            await SubmitPendingPartsAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        }

        manifest.Records = parts.Count > 0 ? JobRecords.Count(ledger, manifest) : before;
        ledger.Save(manifest);

        if (exhausted > 0)
        {
            reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Job {0}: {1:N0} record(s) failed {2} time(s), the bound on attempts, and are not sent again.", manifest.Id, exhausted, manifest.MaxAttempts));
        }

        return new ResubmitSummary(new BatchJob(manifest, ledger.Folder), before, resent, parts.Count, exhausted);
    }

    /// <summary>
    /// Picks a job up where an interrupted run left it (or releases a pilot): submits the batches not submitted yet (finding, where the
    /// provider allows, one that was created before the interruption rather than creating it twice), asks after the
    /// running ones, and downloads the results of those that ended. Never waits.
    /// </summary>
    /// <param name="release">Also submit the batches a pilot held back.</param>
    public async Task<BatchJob> ResumeAsync(string idOrName, string? apiKey, IEngineReporter reporter, CancellationToken cancellationToken, bool release = false)
    {
        reporter ??= NullReporter.Instance;
        var ledger = Resolve(idOrName);
        using var held = Lock(ledger, ledger.Load(), release ? "release" : "resume");
        var manifest = ledger.Load();
        if (manifest.DryRun)
        {
            manifest.DryRun = false; // resuming a dry run is sending it
            ledger.Save(manifest);
        }
        if (release)
        {
            var released = manifest.Parts.Where(p => p.Held).ToList();
            foreach (var part in released)
            {
                part.Held = false;
            }

            ledger.Save(manifest);
            reporter.Verbose(released.Count == 0
                ? $"Job {manifest.Id} holds nothing back: there is nothing to release."
                : string.Format(CultureInfo.InvariantCulture, "Job {0}: released {1} held batch(es), {2:N0} request(s).", manifest.Id, released.Count, released.Sum(p => (long)p.Requests)));
        }

        using var provider = CreateProvider(manifest.Connection(apiKey), reporter);
        await SubmitPendingPartsAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(ledger, manifest, provider, cancellationToken).ConfigureAwait(false);
        await DownloadFinishedAsync(ledger, manifest, provider, reporter, cancellationToken).ConfigureAwait(false);
        return new BatchJob(manifest, ledger.Folder);
    }
}
