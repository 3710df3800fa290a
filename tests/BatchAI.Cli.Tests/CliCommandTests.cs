using System.Text.Json;
using BatchAI.Cli.Infrastructure;
using BatchAI.Cli.Tests.Support;
using BatchAI.Jobs;

namespace BatchAI.Cli.Tests;

/// <summary>The CLI contract, in-process: verbs, output, JSON shapes and exit codes.</summary>
public sealed class CliCommandTests : IDisposable
{
    private static readonly string Tickets = Path.Combine(AppContext.BaseDirectory, "samples", "tickets.csv");
    private static readonly string Schema = Path.Combine(AppContext.BaseDirectory, "samples", "ticket-triage.schema.json");
    private readonly CliRunner _cli = new();

    private Task<CliRun> SubmitAsync(params string[] extra) =>
        _cli.RunAsync(["submit", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--emulator", .. extra]);

    [Fact]
    public async Task SubmitPrintsTheJobIdOnTheLastLine()
    {
        var run = await SubmitAsync("--name", "tickets");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Matches("^job-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$", run.LastLine);
        Assert.Contains("Submitted 18 request(s) in 1 batch(es) to OpenAI (in-process emulator)", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitJsonHasTheJobIdRequestCountAndBatches()
    {
        var run = await SubmitAsync("--json", "--id-column", "ticket_id", "--schema", Schema, "--max-tokens", "200", "--temperature", "0", "--system", "Be brief.");

        var json = JsonDocument.Parse(run.Out).RootElement;
        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.StartsWith("job-", json.GetProperty("jobId").GetString(), StringComparison.Ordinal);
        Assert.Equal(18, json.GetProperty("requestCount").GetInt64());
        var batch = Assert.Single(json.GetProperty("batches").EnumerateArray());
        Assert.StartsWith("batch_", batch.GetProperty("batchId").GetString(), StringComparison.Ordinal);
        Assert.Equal(18, batch.GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task APilotSendsTheFirstRecordsAndReleaseSendsTheRest()
    {
        var submit = await SubmitAsync("--name", "pilot", "--pilot", "5", "--id-column", "ticket_id", "--batch-size", "5");
        var pilotWait = await _cli.RunAsync("wait", "pilot");
        var pilotReceive = await _cli.RunAsync("receive", "pilot", "--out", _cli.File("pilot.csv"));
        var release = await _cli.RunAsync("release", "pilot", "--json");
        var wait = await _cli.RunAsync("wait", "pilot");
        var receive = await _cli.RunAsync("receive", "pilot", "--out", _cli.File("all.csv"));

        Assert.True(submit.ExitCode == ExitCodes.Success, submit.ToString());
        Assert.Contains("Pilot: 5 request(s) sent, 13 held.", submit.Out, StringComparison.Ordinal);
        Assert.Contains("batchai release ", submit.Out, StringComparison.Ordinal);
        Assert.True(pilotWait.ExitCode == ExitCodes.Success, pilotWait.ToString());
        Assert.Contains("5 result(s): 5 succeeded", pilotReceive.Out, StringComparison.Ordinal);
        Assert.Contains("13 of its records are held back", pilotReceive.Error, StringComparison.Ordinal);
        Assert.All(JsonDocument.Parse(release.Out).RootElement.GetProperty("batches").EnumerateArray(), b => Assert.False(b.GetProperty("held").GetBoolean()));
        Assert.True(wait.ExitCode == ExitCodes.Success, wait.ToString());
        Assert.Contains("18 result(s): 18 succeeded", receive.Out, StringComparison.Ordinal);
        var records = await _cli.RunAsync("records", "pilot", "--json", "--state", "succeeded");
        var lines = records.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(18, lines.Count);
        Assert.All(lines, l => Assert.Equal(("Succeeded", 1), (l.GetProperty("state").GetString(), l.GetProperty("attempts").GetInt32())));
        var table = await _cli.RunAsync("records", "pilot", "--state", "nonsense");
        Assert.Equal(ExitCodes.InvalidInput, table.ExitCode);
        Assert.Contains("not a record state", table.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UrgencyTurnsTheStepsFileIntoARoutingTable()
    {
        var steps = Path.Combine(AppContext.BaseDirectory, "samples", "steps.csv");

        var json = await _cli.RunAsync("urgency", "--input", steps, "--json");
        var table = await _cli.RunAsync("urgency", "--input", steps);

        Assert.True(json.ExitCode == ExitCodes.Success, json.ToString());
        var verdicts = JsonDocument.Parse(json.Out).RootElement.EnumerateArray().ToList();
        Assert.Equal(
            ["realtime", "realtime", "realtime", "realtime", "batch", "batch", "batch", "batch", "batch"],
            verdicts.Select(v => v.GetProperty("lane").GetString()));
        Assert.Equal("Live chatbot reply", verdicts[0].GetProperty("step").GetString());
        Assert.All(verdicts, v => Assert.False(string.IsNullOrEmpty(v.GetProperty("reason").GetString())));
        Assert.Contains("does not change this", verdicts[4].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("STEP", table.Out, StringComparison.Ordinal);
        Assert.Contains("Classify the support backlog", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UrgencyTakesOneStepAsOptionsAndNamesTheFieldItCannotRead()
    {
        var one = await _cli.RunAsync("urgency", "--step", "Reply in chat", "--person-waiting", "yes", "--json");
        var bad = await _cli.RunAsync("urgency", "--step", "x", "--trigger", "cron");

        var verdict = Assert.Single(JsonDocument.Parse(one.Out).RootElement.EnumerateArray());
        Assert.Equal(("realtime", true), (verdict.GetProperty("lane").GetString(), verdict.GetProperty("useRealtime").GetBoolean()));
        Assert.Equal(ExitCodes.InvalidInput, bad.ExitCode);
        Assert.Contains("Trigger: 'cron' is not a trigger", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareGivesTheIssuesFiguresUnroundedForCounts()
    {
        var run = await _cli.RunAsync("compare", "--model", "gpt-4o-mini", "--requests", "10000", "--input-tokens", "1200", "--output-tokens", "300", "--platform-cost-per-operation", "0.01", "--runs-per-month", "30", "--json");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var json = JsonDocument.Parse(run.Out).RootElement;
        Assert.Equal(103.60m, json.GetProperty("realtimeCost").GetDecimal());
        Assert.Equal(1.83m, json.GetProperty("batchCost").GetDecimal());
        Assert.Equal(101.77m, json.GetProperty("savings").GetDecimal());
        Assert.Equal(101.77m * 100 / 103.60m, json.GetProperty("savingsPercent").GetDecimal());
        Assert.Equal((10_000L, 3L), (json.GetProperty("realtimeOperations").GetInt64(), json.GetProperty("batchOperations").GetInt64()));
        Assert.Equal(3053.10m, json.GetProperty("monthlySavings").GetDecimal());
        Assert.Equal("2026-07-24", json.GetProperty("byModel")[0].GetProperty("pricesAsOf").GetString());
    }

    [Fact]
    public async Task CompareEstimatesAFileOfRecordsAndReadsAFinishedJobsUsage()
    {
        var planned = await _cli.RunAsync("compare", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--output-tokens", "50", "--json");
        var counted = await _cli.RunAsync("compare", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--output-tokens", "50", "--count-with-provider", "--emulator", "--json");
        var id = (await SubmitAsync("--name", "costed")).LastLine;
        await _cli.RunAsync("wait", id);
        await _cli.RunAsync("receive", id, "--out", _cli.File("costed.csv"));
        var actual = await _cli.RunAsync("compare", "--job", id, "--json");
        var report = await _cli.RunAsync("report", id, "--json");
        var reportText = await _cli.RunAsync("report", id);
        var text = await _cli.RunAsync("compare", "--job", id);

        Assert.True(planned.ExitCode == ExitCodes.Success, planned.ToString());
        var plan = JsonDocument.Parse(planned.Out).RootElement;
        Assert.Equal((18L, 900L, "planned"), (plan.GetProperty("requests").GetInt64(), plan.GetProperty("outputTokens").GetInt64(), plan.GetProperty("basis").GetString()));
        Assert.True(plan.GetProperty("byModel")[0].GetProperty("tokensExact").GetBoolean());
        Assert.True(counted.ExitCode == ExitCodes.Success, counted.ToString());
        Assert.True(JsonDocument.Parse(counted.Out).RootElement.GetProperty("inputTokens").GetInt64() > 0);
        var usage = JsonDocument.Parse(actual.Out).RootElement;
        Assert.Equal(("actual", 18L), (usage.GetProperty("basis").GetString(), usage.GetProperty("requests").GetInt64()));
        Assert.True(usage.GetProperty("batchCost").GetDecimal() * 2 == usage.GetProperty("realtimeCost").GetDecimal());
        Assert.Contains("per run", text.Out, StringComparison.Ordinal);
        var figures = JsonDocument.Parse(report.Out).RootElement;
        Assert.Equal((18L, 1, 0L), (figures.GetProperty("records").GetInt64(), figures.GetProperty("attempts").GetInt32(), figures.GetProperty("outstanding").GetInt64()));
        Assert.Equal(usage.GetProperty("batchTokenCost").GetDecimal(), figures.GetProperty("batchCost").GetDecimal());
        Assert.Contains("a real-time loop would have cost", reportText.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownModelsPriceIsAnErrorNamingTheClosestAndPricesByHandWork()
    {
        var unknown = await _cli.RunAsync("compare", "--model", "gpt-4o-mini-batch", "--requests", "10", "--input-tokens", "10", "--output-tokens", "10");
        var byHand = await _cli.RunAsync("compare", "--model", "gpt-4o-mini-batch", "--requests", "1000000", "--input-tokens", "1", "--output-tokens", "1", "--input-price", "0.2", "--output-price", "0.8", "--json");
        var prices = await _cli.RunAsync("prices", "--model", "gpt-4o-mini*", "--json");

        Assert.Contains("Closest known: gpt-4o-mini", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, unknown.ExitCode);
        Assert.Equal((1.0m, 0.5m), (JsonDocument.Parse(byHand.Out).RootElement.GetProperty("realtimeCost").GetDecimal(), JsonDocument.Parse(byHand.Out).RootElement.GetProperty("batchCost").GetDecimal()));
        var models = JsonDocument.Parse(prices.Out).RootElement;
        Assert.Equal("2026-07-24", models.GetProperty("asOf").GetString());
        Assert.All(models.GetProperty("models").EnumerateArray(), m => Assert.StartsWith("gpt-4o-mini", m.GetProperty("model").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunWritesTheSameFileAReceiveWritesSoDownstreamCodeCannotTellTheLanes()
    {
        var run = await _cli.RunAsync("run", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--id-column", "ticket_id", "--emulator", "--out", _cli.File("realtime.csv"), "--json");
        var id = (await SubmitAsync("--id-column", "ticket_id")).LastLine;
        await _cli.RunAsync("wait", id);
        await _cli.RunAsync("receive", id, "--out", _cli.File("batch.csv"));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var summary = JsonDocument.Parse(run.Out).RootElement;
        Assert.Equal((18L, 18L, 18L, 0L), (summary.GetProperty("requests").GetInt64(), summary.GetProperty("succeeded").GetInt64(), summary.GetProperty("calls").GetInt64(), summary.GetProperty("rateLimited").GetInt64()));
        Assert.Equal(await File.ReadAllTextAsync(_cli.File("batch.csv")), await File.ReadAllTextAsync(_cli.File("realtime.csv")));
    }

    [Fact]
    public async Task SideBySideReportsBothLanesAgainstARateLimitedEmulator()
    {
        _cli.SetEnvironment(BatchAI.Emulator.EmulatorOptions.RequestsPerMinuteVariable, "6");

        var limited = await _cli.RunAsync("side-by-side", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--emulator", "--requests-per-minute", "6", "--json");
        var unlimited = await _cli.RunAsync("side-by-side", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--emulator", "--max-concurrency", "8", "--json");
        var text = await _cli.RunAsync("side-by-side", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--emulator", "--requests-per-minute", "6");

        Assert.True(limited.ExitCode == ExitCodes.Success, limited.ToString());
        var report = JsonDocument.Parse(limited.Out).RootElement;
        var realtime = report.GetProperty("realtime");
        var batch = report.GetProperty("batch");
        Assert.Equal((18L, 18L, 0L), (realtime.GetProperty("succeeded").GetInt64(), realtime.GetProperty("calls").GetInt64(), realtime.GetProperty("rateLimited").GetInt64()));
        Assert.Equal(18L, batch.GetProperty("succeeded").GetInt64());
        Assert.True(batch.GetProperty("calls").GetInt64() < 18, "a batch takes a handful of calls, not one per record");
        Assert.Equal(realtime.GetProperty("inputTokens").GetInt64(), batch.GetProperty("inputTokens").GetInt64());
        Assert.Equal(realtime.GetProperty("cost").GetDecimal(), batch.GetProperty("cost").GetDecimal() * 2);
        Assert.True(JsonDocument.Parse(unlimited.Out).RootElement.GetProperty("realtime").GetProperty("rateLimited").GetInt64() > 0, "without the client-side limit the lane meets the provider's");
        Assert.Contains("LANE", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASpendingCapRefusesASubmitUntilForced()
    {
        var set = await _cli.RunAsync("config", "--job-cap", "0.000001", "--json");
        var refused = await SubmitAsync("--max-tokens", "100");
        var forced = await SubmitAsync("--max-tokens", "100", "--force", "--json");
        var shown = await _cli.RunAsync("config");

        Assert.Equal(0.000001m, JsonDocument.Parse(set.Out).RootElement.GetProperty("jobCapUsd").GetDecimal());
        Assert.Equal(ExitCodes.InvalidInput, refused.ExitCode);
        Assert.Contains("over the per-job cap", refused.Error, StringComparison.Ordinal);
        Assert.True(forced.ExitCode == ExitCodes.Success, forced.ToString());
        Assert.True(JsonDocument.Parse(forced.Out).RootElement.GetProperty("estimatedCostUsd").GetDecimal() > 0);
        Assert.Contains("submitted this month (estimated)", shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobWithADeadlineFallsBackToRealTimeNearItAndReportsTheExtraCost()
    {
        _cli.SetEnvironment(CliHost.ProcessingVariable, "36000");
        var id = (await SubmitAsync("--deadline", "2h", "--max-tokens", "50")).LastLine;

        var early = await _cli.RunAsync("fallback", id);
        _cli.Clock.Advance(TimeSpan.FromHours(1.5));
        var fallback = await _cli.RunAsync("fallback", id, "--json");
        var receive = await _cli.RunAsync("receive", id, "--out", _cli.File("out.csv"));

        Assert.Equal(ExitCodes.Failure, early.ExitCode);
        Assert.Contains("runs from 1 h before it", early.Error, StringComparison.Ordinal);
        Assert.True(fallback.ExitCode == ExitCodes.Success, fallback.ToString());
        var figures = JsonDocument.Parse(fallback.Out).RootElement;
        Assert.InRange(figures.GetProperty("fallbackRecords").GetInt64(), 10, 18); // the batch had run a few by then; those are kept
        Assert.Equal(1, figures.GetProperty("batchesCanceled").GetInt32());
        Assert.Equal(figures.GetProperty("realtimeCost").GetDecimal() - figures.GetProperty("batchCost").GetDecimal(), figures.GetProperty("extraCost").GetDecimal());
        Assert.Contains("18 result(s): 18 succeeded", receive.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADryRunWritesTheRequestFilesSendsNothingAndNeedsNoKeyUntilResumed()
    {
        var dry = await _cli.RunAsync("submit", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--provider", "openai", "--dry-run", "--json");

        Assert.True(dry.ExitCode == ExitCodes.Success, dry.ToString());
        var job = JsonDocument.Parse(dry.Out).RootElement;
        var id = job.GetProperty("jobId").GetString()!;
        Assert.True(job.GetProperty("dryRun").GetBoolean());
        Assert.All(job.GetProperty("batches").EnumerateArray(), b => Assert.Equal(JsonValueKind.Null, b.GetProperty("batchId").ValueKind));
        var part = Path.Combine(job.GetProperty("folder").GetString()!, "parts", "part-0001.jsonl");
        Assert.Equal(18, File.ReadAllLines(part).Length);
        Assert.Contains("\"url\":\"/v1/chat/completions\"", File.ReadAllText(part), StringComparison.Ordinal);

        var emulated = await _cli.RunAsync("submit", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--emulator", "--dry-run", "--name", "later");
        var resumed = await _cli.RunAsync("resume", "later", "--json");
        await _cli.RunAsync("wait", "later");
        var receive = await _cli.RunAsync("receive", "later", "--out", _cli.File("later.csv"));

        Assert.Contains("nothing was sent", emulated.Out, StringComparison.Ordinal);
        Assert.False(JsonDocument.Parse(resumed.Out).RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Contains("18 result(s): 18 succeeded", receive.Out, StringComparison.Ordinal);
        Assert.NotNull(id);
    }

    [Fact]
    public async Task AJobOverItsQueueLimitGoesOutAShareAtATimeAndWaitSubmitsTheRest()
    {
        var submit = await _cli.RunAsync("submit", "--input", Tickets, "--model", "gpt-4o-mini", "--prompt", "Triage: {subject}", "--emulator", "--name", "q", "--max-queued-tokens", "150", "--json");

        Assert.True(submit.ExitCode == ExitCodes.Success, submit.ToString());
        Assert.Contains("wait for room in the provider's queue", submit.Error, StringComparison.Ordinal);
        var job = JsonDocument.Parse(submit.Out).RootElement;
        Assert.Equal(150, job.GetProperty("queuedTokenLimit").GetInt64());
        var batches = job.GetProperty("batches").EnumerateArray().ToList();
        Assert.True(batches.Count >= 2, submit.Out);
        Assert.All(batches, b => Assert.InRange(b.GetProperty("tokens").GetInt64(), 1, 150));
        Assert.Equal([false, .. Enumerable.Repeat(true, batches.Count - 1)], batches.Select(b => b.GetProperty("awaitsQueue").GetBoolean()));

        var wait = await _cli.RunAsync("wait", "q");
        var receive = await _cli.RunAsync("receive", "q", "--out", _cli.File("q.csv"));

        Assert.True(wait.ExitCode == ExitCodes.Success, wait.ToString());
        Assert.Contains("18 result(s): 18 succeeded", receive.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitThenReceiveWritesOneRowPerRecordInInputOrder()
    {
        var id = (await SubmitAsync("--name", "t", "--id-column", "ticket_id")).LastLine;

        var wait = await _cli.RunAsync("wait", "t");
        var receive = await _cli.RunAsync("receive", id, "--out", _cli.File("out.csv"));

        Assert.True(wait.ExitCode == ExitCodes.Success, wait.ToString());
        Assert.Contains($"batchai receive {id}", wait.Out, StringComparison.Ordinal);
        Assert.True(receive.ExitCode == ExitCodes.Success, receive.ToString());
        Assert.Contains("18 result(s): 18 succeeded", receive.Out, StringComparison.Ordinal);
        using var output = BatchAI.Requests.RecordFiles.Open(_cli.File("out.csv"));
        var rows = output.Read().Select(r => r.Record!).ToList();
        Assert.Equal(["ticket_id", "received", "customer", "subject", "body", "custom_id", "status", "output", "error", "input_tokens", "output_tokens"], output.Columns!.Names);
        Assert.Equal(Enumerable.Range(1001, 18).Select(n => "T-" + n), rows.Select(r => (string)r.Values[0]!));
        Assert.All(rows, r => Assert.Equal("Succeeded", r.Values[6]));
    }

    [Fact]
    public async Task ReceiveAsJsonl()
    {
        var id = (await SubmitAsync("--schema", Schema)).LastLine;
        await _cli.RunAsync("wait", id);

        var receive = await _cli.RunAsync("receive", id, "--out", _cli.File("out.jsonl"), "--json");

        var summary = JsonDocument.Parse(receive.Out).RootElement;
        Assert.Equal(18, summary.GetProperty("succeeded").GetInt64());
        var first = JsonDocument.Parse(File.ReadLines(_cli.File("out.jsonl")).First()).RootElement;
        Assert.Equal("T-1001", first.GetProperty("ticket_id").GetString());
        Assert.Equal(JsonValueKind.Object, first.GetProperty("output_json").ValueKind);
    }

    [Fact]
    public async Task AWaitThatTimesOutExitsWith3()
    {
        _cli.SetEnvironment(CliHost.ProcessingVariable, "3600");
        var id = (await SubmitAsync()).LastLine;

        var wait = await _cli.RunAsync("wait", id, "--timeout", "5");

        Assert.Equal(ExitCodes.NotFinished, wait.ExitCode);
        Assert.Contains("Timed out after 5 s", wait.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitJsonSaysWhetherItTimedOut()
    {
        _cli.SetEnvironment(CliHost.ProcessingVariable, "3600");
        var id = (await SubmitAsync()).LastLine;

        var wait = await _cli.RunAsync("wait", id, "--timeout", "0", "--json");

        Assert.Equal(ExitCodes.NotFinished, wait.ExitCode);
        Assert.True(JsonDocument.Parse(wait.Out).RootElement.GetProperty("timedOut").GetBoolean());
    }

    [Fact]
    public async Task AdvanceExitsWith3WhileTheJobRunsAndWritesNothing()
    {
        _cli.SetEnvironment(CliHost.ProcessingVariable, "3600");
        var id = (await SubmitAsync()).LastLine;

        var advance = await _cli.RunAsync("advance", id, "--out", _cli.File("out.csv"));

        Assert.True(advance.ExitCode == ExitCodes.NotFinished, advance.ToString());
        Assert.Contains($"Job {id} is still running", advance.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.File("out.csv")));
    }

    [Fact]
    public async Task AdvanceOfAFinishedJobWritesTheResultsExits0AndRunsTheHookOnce()
    {
        var id = (await SubmitAsync("--name", "nightly", "--id-column", "ticket_id")).LastLine;
        await _cli.RunAsync("wait", id);
        var count = _cli.File("hook-ran.txt");
        var hook = _cli.File(OperatingSystem.IsWindows() ? "hook.cmd" : "hook.sh");
        File.WriteAllText(hook, OperatingSystem.IsWindows() ? $"@echo %BATCHAI_OUTCOME% %BATCHAI_SUCCEEDED%>> \"{count}\"\r\n" : $"echo \"$BATCHAI_OUTCOME $BATCHAI_SUCCEEDED\" >> \"{count}\"\n");

        var first = await _cli.RunAsync("advance", "nightly", "--out", _cli.File("out.csv"), "--hook", hook, "--json");
        var second = await _cli.RunAsync("advance", "nightly", "--out", _cli.File("out.csv"), "--hook", hook);

        Assert.True(first.ExitCode == ExitCodes.Success, first.ToString());
        var json = JsonDocument.Parse(first.Out).RootElement;
        Assert.Equal(("Finished", 18, true, true), (json.GetProperty("outcome").GetString(), json.GetProperty("succeeded").GetInt32(), json.GetProperty("exported").GetBoolean(), json.GetProperty("hookRan").GetBoolean()));
        Assert.Equal(18, RowsIn(_cli.File("out.csv")));
        Assert.True(second.ExitCode == ExitCodes.Success, second.ToString());
        Assert.Contains("already in", second.Out, StringComparison.Ordinal);
        Assert.Equal(["finished 18"], File.ReadAllLines(count).Select(l => l.Trim()));
    }

    [Fact]
    public async Task AdvanceResendsWhatIsRetryableAndExits4WhenOnlyPermanentFailuresAreLeft()
    {
        _cli.SetEnvironment("BATCHAI_EMULATOR_ERROR_RATE", "0.5");
        _cli.SetEnvironment("BATCHAI_EMULATOR_SEED", "3");
        var id = (await SubmitAsync()).LastLine;

        var steps = new List<CliRun>();
        do
        {
            await _cli.RunAsync("wait", id);
            steps.Add(await _cli.RunAsync("advance", id, "--out", _cli.File("out.csv")));
        }
        while (steps[^1].ExitCode == ExitCodes.NotFinished && steps.Count < 8);

        Assert.Contains(steps, s => s.ExitCode == ExitCodes.NotFinished && s.Out.Contains("sent again", StringComparison.Ordinal));
        Assert.True(steps[^1].ExitCode == ExitCodes.FinishedWithFailures, steps[^1].ToString());
        Assert.Contains("of 18 record(s) succeeded", steps[^1].Out, StringComparison.Ordinal);
        Assert.Equal(18, RowsIn(_cli.File("out.csv")));
    }

    [Fact]
    public async Task AdvanceRefusesABadHookTimeoutOrAMissingHookBeforeAskingAnything()
    {
        var id = (await SubmitAsync()).LastLine;

        var timeout = await _cli.RunAsync("advance", id, "--out", _cli.File("out.csv"), "--hook-timeout", "soon");
        var hook = await _cli.RunAsync("advance", id, "--out", _cli.File("out.csv"), "--hook", _cli.File("missing.sh"));

        Assert.Equal(ExitCodes.InvalidInput, timeout.ExitCode);
        Assert.Contains("--hook-timeout: 'soon' is not a duration", timeout.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidInput, hook.ExitCode);
        Assert.Contains("missing.sh does not exist", hook.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AdvanceOutcome.Finished, 0)]
    [InlineData(AdvanceOutcome.FinishedWithFailures, 4)]
    [InlineData(AdvanceOutcome.Running, 3)]
    [InlineData(AdvanceOutcome.AwaitingRelease, 3)]
    public void AdvanceExitCodesAreTheDocumentedOnes(AdvanceOutcome outcome, int code) =>
        Assert.Equal(code, ExitCodes.For(outcome));

    [Fact]
    public async Task ReceivingAnUnfinishedJobFailsWithAnExplanation()
    {
        _cli.SetEnvironment(CliHost.ProcessingVariable, "3600");
        var id = (await SubmitAsync()).LastLine;

        var receive = await _cli.RunAsync("receive", id, "--out", _cli.File("out.csv"));

        Assert.Equal(ExitCodes.Failure, receive.ExitCode);
        Assert.Contains("is not finished", receive.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.File("out.csv")));
    }

    [Fact]
    public async Task StatusListAndCancelShowTheJob()
    {
        _cli.SetEnvironment(CliHost.ProcessingVariable, "3600");
        var id = (await SubmitAsync("--name", "nightly")).LastLine;

        var status = await _cli.RunAsync("status", "nightly");
        var list = await _cli.RunAsync("list", "--json");
        var cancel = await _cli.RunAsync("cancel", "nightly");
        var after = await _cli.RunAsync("status", id, "--json");

        Assert.Equal(ExitCodes.Success, status.ExitCode);
        Assert.Contains($"Job       {id} (nightly)", status.Out, StringComparison.Ordinal);
        Assert.Contains("Validating", status.Out, StringComparison.Ordinal);
        Assert.Equal(id, Assert.Single(JsonDocument.Parse(list.Out).RootElement.EnumerateArray()).GetProperty("jobId").GetString());
        Assert.Contains("Cancel requested", cancel.Out, StringComparison.Ordinal);
        Assert.Equal("Canceling", JsonDocument.Parse(after.Out).RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task ListOfAnEmptyStoreSaysSo()
    {
        var list = await _cli.RunAsync("list");

        Assert.Equal(ExitCodes.Success, list.ExitCode);
        Assert.StartsWith("No jobs in ", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRecordsExitWith2AndNameEachRow()
    {
        File.WriteAllText(_cli.File("bad.csv"), "id,subject\nok-1,fine\nbad id,x\nok-3,\n");

        var run = await _cli.RunAsync("submit", "--input", _cli.File("bad.csv"), "--model", "m", "--prompt", "{subject}", "--id-column", "id", "--emulator");

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("error: row 2 (line 3), field 'id': the custom id 'bad id' contains 'U+0020'", run.Error, StringComparison.Ordinal);
        Assert.Contains("error: row 3 (line 4), field 'Prompt': the prompt is empty", run.Error, StringComparison.Ordinal);
        Assert.Contains("error: 2 invalid record(s); nothing was submitted.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Theory]
    [InlineData(new[] { "submit", "--input", "x.csv", "--prompt", "p" }, "--model")]
    [InlineData(new[] { "submit", "--input", "x.csv", "--model", "m", "--provider", "nope" }, "nope")]
    [InlineData(new[] { "wait" }, "wait")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    public async Task BadUsageExitsWith2(string[] args, string mentioned)
    {
        var run = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains(mentioned, run.Error, StringComparison.Ordinal);
        Assert.Contains("batchai --help", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--prompt", "Hello {name", "never closed")]
    [InlineData("--schema", "not-a-file.json", "cannot be read")]
    [InlineData("--max-tokens", "0", "at least 1")]
    [InlineData("--api-version", "2024-10-21", "only azure-openai and gemini take an API version")]
    [InlineData("--max-queued-tokens", "-5", "cannot be negative")]
    [InlineData("--max-queued-requests", "-1", "cannot be negative")]
    public async Task BadOptionValuesExitWith2(string option, string value, string why)
    {
        string[] args = option == "--prompt"
            ? ["submit", "--input", Tickets, "--model", "m", option, value, "--emulator"]
            : ["submit", "--input", Tickets, "--model", "m", "--prompt", "x", option, value, "--emulator"];

        var run = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains(why, run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--queued-token-limit", "0")]
    [InlineData("--requests-per-minute", "0")]
    public async Task TheEmulatorRefusesALimitOfNothingBeforeListening(string option, string value)
    {
        var run = await _cli.RunAsync("emulator", "--port", "0", option, value);

        Assert.Equal(ExitCodes.InvalidInput, run.ExitCode);
        Assert.Contains("--queued-token-limit must be 1 or more", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingInputFileFailsClearly()
    {
        var run = await _cli.RunAsync("submit", "--input", _cli.File("nope.csv"), "--model", "m", "--prompt", "x", "--emulator");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("does not exist", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownJobFails()
    {
        var run = await _cli.RunAsync("status", "no-such-job");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("There is no job 'no-such-job'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDemoRunsEndToEndAndSummarizes()
    {
        var run = await _cli.RunAsync("demo", "--out", _cli.File("demo.csv"));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("3. Received 18 result(s): 18 succeeded", run.Out, StringComparison.Ordinal);
        Assert.Contains("T-1018", run.Out, StringComparison.Ordinal);
        Assert.Equal(19, File.ReadAllLines(_cli.File("demo.csv")).Count(l => l.Contains(",Succeeded,", StringComparison.Ordinal) || l.StartsWith("ticket_id", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task HelpListsTheVerbs()
    {
        var run = await _cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        foreach (var verb in new[] { "submit", "status", "list", "wait", "receive", "cancel", "emulator", "demo" })
        {
            Assert.Contains(verb, run.Out, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _cli.Dispose();

    private static int RowsIn(string path)
    {
        using var file = BatchAI.Requests.RecordFiles.Open(path);
        return file.Read().Count();
    }
}
