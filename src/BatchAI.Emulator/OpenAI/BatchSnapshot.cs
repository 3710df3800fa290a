using BatchAI.Emulator.State;

namespace BatchAI.Emulator.OpenAI;

/// <summary>
/// A batch as it stands at one moment, computed from its record and the clock, never stored: the batch validates for
/// the first tenth of its processing time, runs until nine tenths, finalizes, then completes; a cancel or the end of
/// the completion window cuts that short. Times are Unix milliseconds.
/// </summary>
internal sealed class BatchSnapshot
{
    private BatchSnapshot(BatchRecord record, string status)
    {
        Record = record;
        Status = status;
    }

    public BatchRecord Record { get; }

    public string Status { get; }

    public long? InProgressAt { get; private set; }

    public long? FinalizingAt { get; private set; }

    public long? CompletedAt { get; private set; }

    public long? FailedAt { get; private set; }

    public long? ExpiredAt { get; private set; }

    public long? CancellingAt { get; private set; }

    public long? CancelledAt { get; private set; }

    /// <summary>The share of requests the model has run by now (by the cancel or expiry, once those happened).</summary>
    public double ProcessedFraction { get; private set; }

    public bool IsTerminal => Status is "completed" or "failed" or "expired" or "cancelled";

    /// <summary>Whether the batch has finished running and its output and error files exist (or are due).</summary>
    public bool HasResults => Status is "completed" or "expired" or "cancelled";

    public long ValidationEndsAt => Record.CreatedAtMs + (Record.ProcessingMs / 10);

    /// <summary>A batch as the create call returns it: always <c>validating</c>, as the real service answers.</summary>
    public static BatchSnapshot Created(BatchRecord record) => new(record, "validating");

    public static BatchSnapshot At(BatchRecord record, long now)
    {
        var created = record.CreatedAtMs;
        var validated = created + (record.ProcessingMs / 10);
        var ran = created + (record.ProcessingMs * 9 / 10);
        var finished = created + record.ProcessingMs;
        var expires = created + record.CompletionWindowMs;

        if (record.CancelRequestedAtMs is { } cancel)
        {
            var cancelled = cancel + record.CancellationDelayMs;
            return new BatchSnapshot(record, now < cancelled ? "cancelling" : "cancelled")
            {
                InProgressAt = validated <= cancel ? validated : null,
                CancellingAt = cancel,
                CancelledAt = now < cancelled ? null : cancelled,
                ProcessedFraction = Fraction(record, cancel, validated, ran),
            };
        }

        if (now < validated)
        {
            return new BatchSnapshot(record, "validating");
        }

        if (record.Validation is { Errors.Count: > 0 })
        {
            return new BatchSnapshot(record, "failed") { FailedAt = validated };
        }

        if (record.Validation is { Unprocessed: > 0 } && now >= finished)
        {
            // An injected expiry: the window closes as processing ends, with some requests never run (see FaultPlan).
            return new BatchSnapshot(record, "expired") { InProgressAt = validated, FinalizingAt = ran, ExpiredAt = finished, ProcessedFraction = 1 };
        }

        if (finished > expires && now >= expires)
        {
            return new BatchSnapshot(record, "expired")
            {
                InProgressAt = validated,
                ExpiredAt = expires,
                ProcessedFraction = Fraction(record, expires, validated, ran),
            };
        }

        if (now < ran)
        {
            return new BatchSnapshot(record, "in_progress") { InProgressAt = validated, ProcessedFraction = Fraction(record, now, validated, ran) };
        }

        if (now < finished)
        {
            return new BatchSnapshot(record, "finalizing") { InProgressAt = validated, FinalizingAt = ran, ProcessedFraction = 1 };
        }

        return new BatchSnapshot(record, "completed") { InProgressAt = validated, FinalizingAt = ran, CompletedAt = finished, ProcessedFraction = 1 };
    }

    /// <summary>Whether a cancel request is accepted now (it is ignored, with a 200, once the batch is terminal).</summary>
    public bool CanCancel => Status is "validating" or "in_progress" or "finalizing";

    private static double Fraction(BatchRecord record, long at, long validated, long ran)
    {
        if (at < validated)
        {
            return 0;
        }

        if (record.ProcessingMs == 0 || ran <= validated)
        {
            return 1;
        }

        return Math.Min(1.0, (at - validated) / (double)(ran - validated));
    }
}
