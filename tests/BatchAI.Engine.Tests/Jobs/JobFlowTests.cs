using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>The two flows end to end against the in-process emulator: submit; then wait, receive and join.</summary>
public sealed class JobFlowTests : IDisposable
{
    private const string LabelSchema = """{"title":"ticket label","type":"object","properties":{"label":{"type":"string","enum":["billing","bug","other"]}},"required":["label"],"additionalProperties":false}""";
    private readonly EngineHarness _harness = new();

    [Fact]
    public async Task ACsvGoesThroughAndEveryResultJoinsItsRecord()
    {
        var options = EngineHarness.Options("Label this ticket: {subject}\n{body}", o =>
        {
            o.IdColumn = "id";
            o.Schema = ResponseSchema.Parse(LabelSchema);
        });

        var submitted = await _harness.SubmitFileAsync(Fixture.Path("tickets.csv"), options, "tickets");
        var waited = await _harness.WaitAsync(submitted.Id);
        var (summary, results) = await _harness.ReceiveAsync("tickets");

        Assert.Equal((JobState.Running, 4L, 1), (submitted.State, submitted.RequestCount, submitted.Batches.Count));
        Assert.False(waited.TimedOut);
        Assert.Equal(JobState.Finished, waited.Job.State);
        Assert.Equal(["T-1", "T-2", "T-3", "T-4"], results.Select(r => r.CustomId));
        Assert.All(results, r => Assert.Equal(ResultStatus.Succeeded, r.Status));
        Assert.Equal((4L, 4L), (summary.Succeeded, summary.Total));
        using var source = RecordFiles.Open(Fixture.Path("tickets.csv"));
        var originals = source.Read().Select(r => r.Record!).ToList();
        for (var i = 0; i < originals.Count; i++)
        {
            Assert.Equal(originals[i].Columns.Names, results[i].Source.Columns.Names);
            Assert.Equal(originals[i].Values, results[i].Source.Values);
            Assert.Equal(originals[i].RowNumber, results[i].RowNumber);
        }

        var label = Assert.IsType<Dictionary<string, object?>>(results[0].ParseJson())["label"];
        Assert.Contains(label, new object[] { "billing", "bug", "other" });
        Assert.True(results[0].InputTokens > 0 && results[0].OutputTokens > 0);
        Assert.NotNull(_harness.Service.Get("tickets").ReceivedAt);
    }

    [Fact]
    public async Task PollingBacksOffFromTwoSecondsToTheCap()
    {
        _harness.Processing = TimeSpan.FromMinutes(10);
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)]);

        await _harness.WaitAsync(job.Id, new WaitOptions { MaxPollInterval = TimeSpan.FromSeconds(20) });

        var delays = _harness.Clock.Delays.Select(d => d.TotalSeconds).ToList();
        Assert.Equal([2, 3, 4.5, 6.75, 10.125, 15.1875, 20, 20], delays.Take(8));
        Assert.All(delays.Skip(6), d => Assert.Equal(20, d));
        Assert.InRange(delays.Sum(), 600, 620);
    }

    [Fact]
    public async Task AWaitStopsAtItsTimeoutAndSaysSo()
    {
        _harness.Processing = TimeSpan.FromHours(1);
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)]);

        var outcome = await _harness.WaitAsync(job.Id, new WaitOptions { Timeout = TimeSpan.FromSeconds(10) });

        Assert.True(outcome.TimedOut);
        Assert.Equal(JobState.Running, outcome.Job.State);
        Assert.Equal(10, _harness.Clock.Delays.Sum(d => d.TotalSeconds), precision: 6);
    }

    [Fact]
    public async Task EveryWaitEndsItsProgressBar()
    {
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)]);
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _harness.Service.WaitAsync(job.Id, new WaitOptions(), null, _harness.Reporter, canceled.Token));
        await _harness.WaitAsync(job.Id);

        var waits = _harness.Reporter.ProgressReports.Where(p => p.Activity.StartsWith("Waiting", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, waits.Count(p => p.Completed));
        Assert.True(waits[^1].Completed);
        Assert.Contains(waits, p => !p.Completed && p.Status.Contains("of 1 requests done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALargeJobIsSplitIntoSeveralBatchesAndComesBackAsOne()
    {
        using var harness = new EngineHarness(limits: new ProviderLimits(maxRequestsPerBatch: 3, maxBytesPerBatch: 1_000_000));

        var job = await harness.SubmitAsync(Enumerable.Range(1, 10).Select(i => EngineHarness.Request(i)));
        await harness.WaitAsync(job.Id);
        var (_, results) = await harness.ReceiveAsync(job.Id);

        Assert.Equal([3, 3, 3, 1], job.Batches.Select(b => b.Requests));
        Assert.Equal(4, job.Batches.Select(b => b.BatchId).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => "row-" + i), results.Select(r => r.CustomId));
        Assert.All(results, r => Assert.Equal(ResultStatus.Succeeded, r.Status));
    }

    [Fact]
    public async Task BatchesAlsoSplitBySizeAndByModel()
    {
        // Each line is about 150 bytes, so 320 bytes hold two.
        using var harness = new EngineHarness(limits: new ProviderLimits(maxRequestsPerBatch: 100, maxBytesPerBatch: 320));

        var job = await harness.SubmitAsync(Enumerable.Range(1, 6).Select(i => EngineHarness.Request(i, model: i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini")));

        Assert.Equal(["gpt-4o-mini", "gpt-4o"], job.Models);
        Assert.Equal([("gpt-4o-mini", 2), ("gpt-4o", 2), ("gpt-4o-mini", 1), ("gpt-4o", 1)], job.Batches.Select(b => (b.Model, b.Requests)));
        Assert.All(job.Batches, b => Assert.NotNull(b.BatchId));
    }

    [Fact]
    public async Task SubmitInOneProcessAndReceiveInAnother()
    {
        var job = await _harness.SubmitAsync([EngineHarness.Request(1), EngineHarness.Request(2)], name: "nightly");

        using var later = _harness.NewService();
        _harness.Clock.Advance(TimeSpan.FromMinutes(5));
        var refreshed = await later.RefreshAsync("nightly", null, _harness.Reporter, CancellationToken.None);
        var (summary, results) = await _harness.ReceiveAsync("nightly", later);

        Assert.Equal(JobState.Finished, refreshed.State);
        Assert.Equal(2, summary.Succeeded);
        Assert.Equal(job.Id, summary.Job.Id);
    }

    [Fact]
    public async Task ReceivingTwiceGivesTheSameResultsWithoutDownloadingAgain()
    {
        var job = await _harness.SubmitAsync([EngineHarness.Request(1), EngineHarness.Request(2)]);
        await _harness.WaitAsync(job.Id);

        var (_, first) = await _harness.ReceiveAsync(job.Id);
        var downloadsBefore = _harness.Reporter.VerboseMessages.Count(m => m.Contains("/content", StringComparison.Ordinal));
        var (_, second) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(first.Select(r => (r.CustomId, r.Output)), second.Select(r => (r.CustomId, r.Output)));
        Assert.Equal(downloadsBefore, _harness.Reporter.VerboseMessages.Count(m => m.Contains("/content", StringComparison.Ordinal)));
        Assert.Equal(1, downloadsBefore);
    }

    [Fact]
    public async Task ReceivingAnUnfinishedJobIsRefusedWithWhatToDo()
    {
        _harness.Processing = TimeSpan.FromHours(1);
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)]);

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.ReceiveAsync(job.Id));

        Assert.Equal(("JobNotFinished", ErrorKind.Conflict), (error.ErrorId, error.Kind));
        Assert.Contains("batchai wait " + job.Id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACanceledJobFinishesAndItsRequestsComeBackCanceled()
    {
        _harness.Processing = TimeSpan.FromHours(1);
        var job = await _harness.SubmitAsync([EngineHarness.Request(1), EngineHarness.Request(2)]);

        var canceling = await _harness.Service.CancelAsync(job.Id, null, _harness.Reporter, CancellationToken.None);
        var waited = await _harness.WaitAsync(job.Id);
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(JobState.Canceling, canceling.State);
        Assert.Equal(BatchState.Canceled, Assert.Single(waited.Job.Batches).State);
        Assert.Equal(2, summary.Canceled);
        Assert.All(results, r => Assert.True(r.Retryable));
    }

    [Fact]
    public async Task AnExpiredBatchReturnsWhatItFinishedAndMarksTheRestExpired()
    {
        _harness.Processing = TimeSpan.FromHours(48);
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 20).Select(i => EngineHarness.Request(i)));

        var waited = await _harness.WaitAsync(job.Id, new WaitOptions { MaxPollInterval = TimeSpan.FromHours(1) });
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(BatchState.Expired, Assert.Single(waited.Job.Batches).State);
        Assert.Equal(20, summary.Total);
        Assert.True(summary.Succeeded > 0 && summary.Expired > 0, summary.ToString());
        Assert.All(results.Where(r => r.Status == ResultStatus.Expired), r => Assert.Equal("batch_expired", r.ErrorCode));
    }

    [Fact]
    public async Task WaitAnyReturnsWhenTheFirstBatchIsFinal()
    {
        _harness.Processing = TimeSpan.FromHours(1);
        using var split = _harness.NewService(new ProviderLimits(1, 1_000_000));
        var job = await _harness.SubmitAsync([EngineHarness.Request(1), EngineHarness.Request(2)], service: split);
        using (var emulator = new BatchAI.Emulator.ProviderEmulator(new BatchAI.Emulator.EmulatorOptions { StateDirectory = Path.Combine(_harness.Store, "emulator"), Clock = () => _harness.Clock.UtcNow }))
        using (var http = new HttpClient(emulator, disposeHandler: false))
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", "k");
            (await http.PostAsync($"http://e/v1/batches/{job.Batches[0].BatchId}/cancel", null)).EnsureSuccessStatusCode();
        }

        var outcome = await split.WaitAsync(job.Id, new WaitOptions { Any = true }, null, _harness.Reporter, CancellationToken.None);

        Assert.False(outcome.TimedOut);
        Assert.Equal([BatchState.Canceled, BatchState.Validating], outcome.Job.Batches.Select(b => b.State));
    }

    [Fact]
    public async Task SeveralJobsAreWaitedForTogetherWithOneProgressBar()
    {
        var first = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "first");
        _harness.Processing = TimeSpan.FromHours(2);
        using var slower = _harness.NewService();
        var second = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "second", service: slower);

        var bounded = await slower.WaitAsync(["first", second.Id, first.Id], new WaitOptions { Timeout = TimeSpan.FromMinutes(10) }, null, _harness.Reporter, CancellationToken.None);
        var any = await slower.WaitAsync([second.Id, "first"], new WaitOptions { Any = true }, null, _harness.Reporter, CancellationToken.None);

        Assert.Equal([(first.Id, false), (second.Id, true)], bounded.Select(o => (o.Job.Id, o.TimedOut)));
        Assert.Equal([JobState.Running, JobState.Finished], any.Select(o => o.Job.State));
        Assert.All(any, o => Assert.False(o.TimedOut));
        Assert.Contains(_harness.Reporter.ProgressReports, p => p.Activity == "Waiting for 2 jobs" && p.Status.StartsWith("1 of 2 jobs finished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JobsAreFoundByIdOrByTheirNewestName()
    {
        var older = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "nightly");
        _harness.Clock.Advance(TimeSpan.FromDays(1));
        var newer = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "nightly");

        Assert.Equal(newer.Id, _harness.Service.Get("nightly").Id);
        Assert.Equal(newer.Id, _harness.Service.Get("NIGHTLY").Id);
        Assert.Equal(older.Id, _harness.Service.Get(older.Id).Id);
        Assert.Equal([newer.Id, older.Id], _harness.Service.List().Select(j => j.Id));
        Assert.Equal("JobNotFound", Assert.Throws<BatchAIException>(() => _harness.Service.Get("nope")).ErrorId);
        Assert.Equal("JobIdInvalid", Assert.Throws<BatchAIException>(() => _harness.Service.Get("../etc")).ErrorId);
    }

    [Fact]
    public async Task FindMatchesIdsNamesAndWildcardsAndNamesWhatMatchedNothing()
    {
        var nightly = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "nightly");
        var weekly = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "weekly");

        var search = _harness.Service.Find(["*ly", "missing", "none*"]);

        // Both were created at the same (virtual) moment, so their order is not defined: compare them as a set.
        Assert.Equal(new[] { nightly.Id, weekly.Id }.Order(), search.Jobs.Select(j => j.Id).Order());
        Assert.Equal(["missing"], search.Unmatched);
        Assert.Equal(2, _harness.Service.Find(null).Jobs.Count);
        Assert.Equal(nightly.Id, Assert.Single(_harness.Service.Find([nightly.Id]).Jobs).Id);
    }

    [Fact]
    public async Task ATimedOutWaitSaysWhichBatchesAreUnfinished()
    {
        _harness.Processing = TimeSpan.FromHours(1);
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "slow");

        var outcome = await _harness.WaitAsync(job.Id, new WaitOptions { Timeout = TimeSpan.FromSeconds(90) });

        Assert.Equal($"Timed out after 90 s: job {job.Id} (slow) is still Running ({job.Batches[0].BatchId} Validating).", outcome.TimeoutMessage(TimeSpan.FromSeconds(90)));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("job-lookalike")]
    [InlineData("-dash-first")]
    public void JobNamesMustBeUsableOnACommandLine(string name)
    {
        var error = Assert.Throws<BatchAIException>(() => _harness.Service.CreateDraft(EngineHarness.Emulated(name), _harness.Reporter));

        Assert.Equal("JobNameInvalid", error.ErrorId);
    }

    [Fact]
    public async Task TheApiKeyNeverReachesTheStore()
    {
        const string key = "sk-proj-do-not-store-me-0123456789";
        var definition = EngineHarness.Emulated("keyed");
        definition.Connection.ApiKey = key;
        using (var draft = _harness.Service.CreateDraft(definition, _harness.Reporter))
        {
            draft.Add(EngineHarness.Request(1));
            await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
        }

        await _harness.Service.WaitAsync("keyed", new WaitOptions(), key, _harness.Reporter, CancellationToken.None);
        await _harness.Service.ReceiveAsync("keyed", _ => { }, key, _harness.Reporter, CancellationToken.None);

        foreach (var file in Directory.EnumerateFiles(_harness.Store, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("do-not-store-me", File.ReadAllText(file), StringComparison.Ordinal);
        }

        Assert.All(_harness.Reporter.Everything, m => Assert.DoesNotContain("do-not-store-me", m, StringComparison.Ordinal));
    }

    public void Dispose() => _harness.Dispose();
}
