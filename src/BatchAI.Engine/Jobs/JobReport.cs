using BatchAI.Costs;

namespace BatchAI.Jobs;

/// <summary>
/// What a job did, from the ledger alone: how long it took, what it cost at batch rates against what a loop of
/// real-time calls would have cost, why records failed, what was resubmitted, and what is still outstanding.
/// </summary>
public sealed class JobReport
{
    public string JobId { get; init; } = string.Empty;

    public string? Name { get; init; }

    public long Records { get; init; }

    /// <summary>From the first batch's submission to the last batch's end (or now, while batches run).</summary>
    public TimeSpan WallTime { get; init; }

    public int Batches { get; init; }

    /// <summary>How many rounds of sending there were: 1, plus one per resubmission.</summary>
    public int Attempts { get; init; }

    /// <summary>Records sent again by resubmissions (a record sent three times counts twice).</summary>
    public long Resubmitted { get; init; }

    public RecordCounts Counts { get; init; } = new();

    /// <summary>Records not succeeded, by error code (the latest attempt's).</summary>
    public IReadOnlyDictionary<string, long> FailuresByCause { get; init; } = new Dictionary<string, long>();

    /// <summary>Records still pending or in a running batch.</summary>
    public long Outstanding => Counts.Pending + Counts.Submitted;

    /// <summary>The cost per model: what was paid at batch rates, and what a loop of real-time calls would have cost.</summary>
    public IReadOnlyList<CostComparison> Costs { get; init; } = [];

    public decimal BatchCost => Costs.Sum(c => c.BatchTokenCost);

    public decimal RealtimeCost => Costs.Sum(c => c.RealtimeTokenCost);

    public decimal Saved => RealtimeCost - BatchCost;
}
