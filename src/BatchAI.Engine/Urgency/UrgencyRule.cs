using System.Globalization;
using BatchAI.Providers;

namespace BatchAI.Urgency;

/// <summary>Which lane a step belongs in.</summary>
public enum Lane
{
    /// <summary>Someone is waiting on each item: call the model synchronously.</summary>
    Realtime,

    /// <summary>Nobody waits on any single item: send it through the Batch API at half the price.</summary>
    Batch,
}

/// <summary>What starts a step.</summary>
public enum StepTrigger
{
    /// <summary>A person using a product right now (a chat message, a button).</summary>
    LiveUser,

    /// <summary>A fresh event with someone downstream (a ticket arrives, a form is sent, a file is uploaded).</summary>
    Event,

    /// <summary>A timer: nightly, hourly, weekly.</summary>
    Schedule,

    /// <summary>Working through what already exists (a list, an archive, a backlog).</summary>
    Backfill,
}

/// <summary>One workflow step, as the urgency rule reads it. Every field may be unknown.</summary>
public sealed class UrgencyInput
{
    public string? Step { get; set; }

    /// <summary>Whether a person is blocked on this single item's result.</summary>
    public bool? PersonWaiting { get; set; }

    public StepTrigger? Trigger { get; set; }

    /// <summary>How soon each item's result is needed after the item appears.</summary>
    public TimeSpan? ItemDeadline { get; set; }

    /// <summary>How soon the whole run must be done.</summary>
    public TimeSpan? JobDeadline { get; set; }

    /// <summary>How many items a run has. It never changes the verdict; the reason says so.</summary>
    public long? ItemCount { get; set; }

    /// <summary>The provider whose Batch API would run it (its completion window); OpenAI when unknown.</summary>
    public ProviderKind? Provider { get; set; }
}

/// <summary>The rule's answer for one step: the lane, why in plain words, and what it was given.</summary>
public sealed class UrgencyVerdict
{
    internal UrgencyVerdict(UrgencyInput input, Lane lane, string reason, TimeSpan window)
    {
        Step = input.Step;
        Lane = lane;
        Reason = reason;
        PersonWaiting = input.PersonWaiting;
        Trigger = input.Trigger;
        ItemDeadline = input.ItemDeadline;
        JobDeadline = input.JobDeadline;
        ItemCount = input.ItemCount;
        Provider = input.Provider ?? ProviderKind.OpenAI;
        CompletionWindow = window;
    }

    public string? Step { get; }

    public Lane Lane { get; }

    /// <summary>True when someone is waiting: use the real-time lane (what Test-AIStepUrgency returns).</summary>
    public bool UseRealtime => Lane == Lane.Realtime;

    public string Reason { get; }

    public bool? PersonWaiting { get; }

    public StepTrigger? Trigger { get; }

    public TimeSpan? ItemDeadline { get; }

    public TimeSpan? JobDeadline { get; }

    public long? ItemCount { get; }

    public ProviderKind Provider { get; }

    /// <summary>The provider's batch completion window the deadlines were measured against.</summary>
    public TimeSpan CompletionWindow { get; }

    public override string ToString() => (Step is null ? string.Empty : Step + ": ") + Lane + " (" + Reason + ")";
}

/// <summary>
/// The one decision BatchAI exists for: is a person waiting on this exact result? Then real time; otherwise batch.
/// The axis is latency tolerance, never volume or model. In order: a person known to be waiting, or an item deadline
/// inside the provider's batch window, means real time; an item deadline beyond the window, or no person waiting,
/// means batch; without those, the trigger decides (a live user or a fresh event has someone waiting; a schedule or a
/// backfill does not); a job deadline alone means batch. When nothing says anyone waits, batch.
/// </summary>
public static class UrgencyRule
{
    /// <summary>
    /// How long each provider's Batch API may take: 24 hours for all four (Anthropic finishes most within an hour,
    /// and Gemini expires at 48 hours, but each only promises 24).
    /// </summary>
    public static TimeSpan CompletionWindow(ProviderKind provider) => TimeSpan.FromHours(24);

    public static UrgencyVerdict Decide(UrgencyInput input)
    {
        if (input is null)
        {
            throw new ArgumentNullException(nameof(input));
        }

        var provider = input.Provider ?? ProviderKind.OpenAI;
        var window = CompletionWindow(provider);
        var windowText = ProviderNames.DisplayName(provider) + "'s " + Durations.Describe(window) + " batch window";
        var (lane, reason) = Verdict(input, window, windowText);
        if (lane == Lane.Batch && input.ItemDeadline is null && input.JobDeadline is { } job && job < window)
        {
            reason += string.Format(CultureInfo.InvariantCulture, ". Note that the job's {0} deadline is shorter than {1}: most batches finish much sooner, but give the job a deadline so what is unfinished near it can go through the real-time lane", Durations.Describe(job), windowText);
        }

        if (input.ItemCount is { } count)
        {
            reason += string.Format(CultureInfo.InvariantCulture, ". The number of items ({0:N0}) does not change this: the rule is whether someone waits, not volume", count);
        }

        return new UrgencyVerdict(input, lane, reason + ".", window);
    }

    private static (Lane, string) Verdict(UrgencyInput input, TimeSpan window, string windowText)
    {
        if (input.PersonWaiting == true)
        {
            return (Lane.Realtime, "a person is waiting on this single item's result");
        }

        if (input.ItemDeadline is { } item && item <= window)
        {
            return (Lane.Realtime, string.Format(CultureInfo.InvariantCulture, "each item's result is needed within {0}, inside {1}", Durations.Describe(item), windowText));
        }

        if (input.ItemDeadline is { } later)
        {
            return (Lane.Batch, string.Format(CultureInfo.InvariantCulture, "each item can wait {0}, longer than {1}", Durations.Describe(later), windowText));
        }

        if (input.PersonWaiting == false)
        {
            return (Lane.Batch, "nobody is waiting on any single item's result");
        }

        switch (input.Trigger)
        {
            case StepTrigger.LiveUser:
                return (Lane.Realtime, "a live user triggers each item, so someone is waiting on it");
            case StepTrigger.Event:
                return (Lane.Realtime, "each item is a fresh event with someone downstream waiting on its result");
            case StepTrigger.Schedule:
                return (Lane.Batch, "a schedule starts the run, so nobody is waiting on a single item");
            case StepTrigger.Backfill:
                return (Lane.Batch, "a backfill works through items that already exist, so nobody is waiting on a single one");
        }

        if (input.JobDeadline is { } job)
        {
            return (Lane.Batch, string.Format(CultureInfo.InvariantCulture, "only the job as a whole has a deadline ({0}), no single item", Durations.Describe(job)));
        }

        return (Lane.Batch, "nothing says a person is waiting on a single item");
    }
}
