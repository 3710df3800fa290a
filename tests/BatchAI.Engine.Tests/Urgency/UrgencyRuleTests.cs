using BatchAI.Providers;
using BatchAI.Requests;
using BatchAI.Urgency;

namespace BatchAI.Engine.Tests.Urgency;

/// <summary>The is-someone-waiting rule: the nine workflow steps of the issue, and each branch of the rule.</summary>
public sealed class UrgencyRuleTests
{
    private static readonly string Steps = Path.Combine(AppContext.BaseDirectory, "Fixtures", "steps.csv");

    public static TheoryData<string, Lane> TheNineSteps => new()
    {
        { "Live chatbot reply", Lane.Realtime },
        { "Route an inbound support ticket", Lane.Realtime },
        { "Enrich a lead that just arrived", Lane.Realtime },
        { "Extract fields from a just-uploaded invoice", Lane.Realtime },
        { "Re-score the existing lead list", Lane.Batch },
        { "Summarize last night's call transcripts", Lane.Batch },
        { "Classify the support backlog", Lane.Batch },
        { "Draft next week's social content", Lane.Batch },
        { "Extract fields from the nightly document dump", Lane.Batch },
    };

    [Theory]
    [MemberData(nameof(TheNineSteps))]
    public void EachOfTheNineStepsGoesToItsLane(string step, Lane expected)
    {
        var verdict = Read().Single(v => v.Step == step);

        Assert.Equal(expected, verdict.Lane);
        Assert.Equal(expected == Lane.Realtime, verdict.UseRealtime);
    }

    [Fact]
    public void TheStepsFileBecomesARoutingTableInInputOrder()
    {
        var verdicts = Read();

        Assert.Equal(TheNineSteps.Select(row => (string)row[0]), verdicts.Select(v => v.Step));
        Assert.All(verdicts, v => Assert.EndsWith(".", v.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void APersonWaitingMeansRealTimeWhateverElseIsSaid()
    {
        var verdict = UrgencyRule.Decide(new UrgencyInput { PersonWaiting = true, Trigger = StepTrigger.Backfill, JobDeadline = TimeSpan.FromDays(7) });

        Assert.Equal(Lane.Realtime, verdict.Lane);
        Assert.Contains("a person is waiting on this single item", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, "2h", Lane.Realtime, "inside OpenAI's 24 h batch window")]
    [InlineData(ProviderKind.Anthropic, "24h", Lane.Realtime, "inside Anthropic's 24 h batch window")]
    [InlineData(ProviderKind.Gemini, "2d", Lane.Batch, "longer than Gemini's 24 h batch window")]
    public void AnItemDeadlineIsMeasuredAgainstTheProvidersWindow(ProviderKind provider, string deadline, Lane expected, string reason)
    {
        var verdict = UrgencyRule.Decide(UrgencySteps.Parse(null, "no", null, deadline, null, null, provider.ToString()));

        Assert.Equal(expected, verdict.Lane);
        Assert.Contains(reason, verdict.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(24), verdict.CompletionWindow);
    }

    [Fact]
    public void AJobDeadlineWithNoItemDeadlineMeansBatch()
    {
        var verdict = UrgencyRule.Decide(new UrgencyInput { JobDeadline = TimeSpan.FromDays(3) });

        Assert.Equal(Lane.Batch, verdict.Lane);
        Assert.Contains("only the job as a whole has a deadline (3 d)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AJobDeadlineInsideTheWindowStaysBatchButSaysHowToBeSafe()
    {
        var verdict = UrgencyRule.Decide(new UrgencyInput { PersonWaiting = false, JobDeadline = TimeSpan.FromHours(6) });

        Assert.Equal(Lane.Batch, verdict.Lane);
        Assert.Contains("deadline is shorter than", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(5_000_000L)]
    public void VolumeChangesNothingAndTheReasonSaysSo(long items)
    {
        var small = UrgencyRule.Decide(new UrgencyInput { Trigger = StepTrigger.Event, ItemCount = items });
        var big = UrgencyRule.Decide(new UrgencyInput { Trigger = StepTrigger.Schedule, ItemCount = items });

        Assert.Equal((Lane.Realtime, Lane.Batch), (small.Lane, big.Lane));
        Assert.Contains("does not change this: the rule is whether someone waits, not volume", small.Reason, StringComparison.Ordinal);
        Assert.Contains(items.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), big.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SayingNobodyWaitsOutweighsAnEventTrigger()
    {
        Assert.Equal(Lane.Batch, UrgencyRule.Decide(new UrgencyInput { PersonWaiting = false, Trigger = StepTrigger.Event }).Lane);
    }

    [Fact]
    public void WhenNothingSaysSomeoneWaitsItIsBatch()
    {
        var verdict = UrgencyRule.Decide(new UrgencyInput { Step = "unknown" });

        Assert.Equal(Lane.Batch, verdict.Lane);
        Assert.Contains("nothing says a person is waiting", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("12h", 43_200)]
    [InlineData("7d", 604_800)]
    [InlineData("1h30m", 5_400)]
    [InlineData("00:05:00", 300)]
    public void DurationsReadAsPeopleWriteThem(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(seconds, duration!.Value.TotalSeconds);
    }

    [Theory]
    [InlineData("maybe", null, null, "PersonWaiting", "YesNoInvalid")]
    [InlineData(null, "cron", null, "Trigger", "TriggerInvalid")]
    [InlineData(null, null, "soon", "ItemDeadline", "DurationInvalid")]
    public void AValueThatCannotBeReadNamesItsField(string? waiting, string? trigger, string? deadline, string field, string errorId)
    {
        var error = Assert.Throws<StepFieldException>(() => UrgencySteps.Parse("s", waiting, trigger, deadline, null, null, null));

        Assert.Equal((field, errorId), (error.Field, error.ErrorId));
        Assert.StartsWith(field + ": '", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadRowInAStepsFileIsAProblemNamingRowAndField()
    {
        var path = Path.Combine(Path.GetTempPath(), "steps-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, "Step,PersonWaiting,Trigger\nfine,no,schedule\nbad,no,cron\n");
        try
        {
            using var records = RecordFiles.Open(path);
            var rows = UrgencySteps.Read(records).ToList();

            Assert.NotNull(rows[0].Step);
            var problem = rows[1].Problem!;
            Assert.Equal((2L, "Trigger", "TriggerInvalid"), (problem.RowNumber, problem.Field, problem.ErrorId));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<UrgencyVerdict> Read()
    {
        using var records = RecordFiles.Open(Steps);
        return UrgencySteps.Read(records).Select(r => UrgencyRule.Decide(r.Step ?? throw new InvalidOperationException(r.Problem!.ToString()))).ToList();
    }
}
