using BatchAI.Hosting;
using BatchAI.Providers;
using BatchAI.Providers.Http;

namespace BatchAI.Jobs;

/// <summary>How a <see cref="JobService"/> works: where its store is, its clock, and how it reaches providers.</summary>
public sealed class JobServiceOptions
{
    /// <summary>The store folder; when null, <see cref="StoreLocation.Resolve"/> decides.</summary>
    public string? Store { get; set; }

    public IClock Clock { get; set; } = SystemClock.Instance;

    public HttpSettings Http { get; set; } = new();

    /// <summary>
    /// Creates the in-process emulator (given its state folder) for jobs submitted with the emulator. The front doors
    /// set it; the engine itself does not depend on the emulator.
    /// </summary>
    public Func<string, HttpMessageHandler>? EmulatorFactory { get; set; }

    /// <summary>Replaces the network for every provider call (tests, or hosts that bring their own handler).</summary>
    public HttpMessageHandler? NetworkHandler { get; set; }

    /// <summary>Smaller batches than the provider allows (an account with lower limits; tests of splitting).</summary>
    public ProviderLimits? Limits { get; set; }

    /// <summary>The source of jitter; tests fix it.</summary>
    public Func<double>? Random { get; set; }

    /// <summary>A price file that overrides or extends the shipped prices, for cost estimates (the spending cap).</summary>
    public string? PriceFile { get; set; }

    /// <summary>Counts every HTTP call the service's providers make (the side-by-side report); none when null.</summary>
    public Providers.Http.HttpCounters? Counters { get; set; }

    /// <summary>
    /// The most a receive into a CSV or TSV file keeps of downloaded answers in memory for its join (see
    /// <see cref="KeptAnswers"/>); tests make it small, or nothing, to take the other way.
    /// </summary>
    internal long KeptAnswerBytes { get; set; } = KeptAnswers.DefaultBudget;
}

/// <summary>How to wait for a job.</summary>
public sealed class WaitOptions
{
    /// <summary>Give up after this long (the job goes on at the provider); null waits until every batch is final.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Return as soon as any one batch is final.</summary>
    public bool Any { get; set; }

    /// <summary>The first interval between status checks; each next one is 1.5 times longer, up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan FirstPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>The job as a wait left it, and whether the wait timed out first.</summary>
public sealed class WaitOutcome(BatchJob job, bool timedOut)
{
    public BatchJob Job { get; } = job;

    public bool TimedOut { get; } = timedOut;

    /// <summary>"Timed out after 60 s: job X is still Running (batch_1 Running, batch_2 Validating)."</summary>
    public string TimeoutMessage(TimeSpan timeout)
    {
        var unfinished = string.Join(", ", Job.Batches.Where(b => !Providers.BatchStates.IsFinal(b.State)).Select(b => (b.BatchId ?? "#" + b.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)) + " " + b.State));
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, "Timed out after {0:0.#} s: job {1} is still {2} ({3}).", timeout.TotalSeconds, Job, Job.State, unfinished);
    }
}
