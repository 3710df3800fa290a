namespace BatchAI.Emulator.Anthropic;

/// <summary>
/// A Message Batch as created, plus its outcome once processing ended. Its status is not stored: it follows from these
/// fields and the clock, so every process sharing the state agrees. Times are Unix milliseconds.
/// </summary>
internal sealed class AnthropicBatchRecord
{
    public string Id { get; set; } = string.Empty;

    /// <summary>The batch's sequence number in the emulator's state, which seeds its injected faults (see FaultPlan).</summary>
    public string? FaultKey { get; set; }

    public int Total { get; set; }

    public long CreatedAtMs { get; set; }

    public long ProcessingMs { get; set; }

    /// <summary>24 hours: requests not run by then end <c>expired</c>.</summary>
    public long ExpiresAfterMs { get; set; }

    public long CancellationDelayMs { get; set; }

    public long? CancelRequestedAtMs { get; set; }

    public AnthropicOutcome? Outcome { get; set; }

    /// <summary>When processing ends: on schedule, at expiry, or once a cancel has taken effect.</summary>
    public long EndsAtMs => CancelRequestedAtMs is { } cancel
        ? Math.Min(cancel + CancellationDelayMs, NaturalEndMs)
        : NaturalEndMs;

    private long NaturalEndMs => CreatedAtMs + Math.Min(ProcessingMs, ExpiresAfterMs);

    public bool EndedAt(long now) => now >= EndsAtMs;

    /// <summary>The share of requests run by the end: all of them, unless a cancel or the expiry came first.</summary>
    public double ProcessedFraction
    {
        get
        {
            if (ProcessingMs == 0)
            {
                return 1;
            }

            var stop = Math.Min(CreatedAtMs + ExpiresAfterMs, CancelRequestedAtMs ?? long.MaxValue);
            return Math.Max(0, Math.Min(1.0, (stop - CreatedAtMs) / (double)ProcessingMs));
        }
    }
}

/// <summary>The tallies of a batch whose processing ended, and its results file.</summary>
internal sealed class AnthropicOutcome
{
    public int Succeeded { get; set; }

    public int Errored { get; set; }

    public int Canceled { get; set; }

    public int Expired { get; set; }
}
