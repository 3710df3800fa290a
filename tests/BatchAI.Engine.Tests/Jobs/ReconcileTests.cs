using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// Expired, canceled and retryably failed records go out again as new batches of the same job until nothing
/// retryable is left; every record ends with exactly one result; a second process is refused; an interrupted submit
/// resumes.
/// </summary>
public sealed class ReconcileTests : IDisposable
{
    private readonly EngineHarness _harness = new(limits: new ProviderLimits(maxRequestsPerBatch: 40, maxBytesPerBatch: 1_000_000));

    public static TheoryData<ProviderKind> Providers => [ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini, ProviderKind.AzureOpenAI];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ResubmittingUntilNothingIsRetryableLeavesExactlyOneResultPerRecord(ProviderKind provider)
    {
        _harness.Faults = o => { o.ErrorRate = 0.1; o.ExpireRate = 0.2; o.Seed = 1; };
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 200).Select(i => EngineHarness.Request(i, ProviderNames.ExampleModel(provider))), provider: provider);

        var rounds = 0;
        ResubmitSummary resubmitted;
        do
        {
            await _harness.WaitAsync(job.Id);
            resubmitted = await _harness.Service.ResubmitAsync(job.Id, new ResubmitOptions { MaxAttempts = 12 }, null, _harness.Reporter, CancellationToken.None);
            rounds++;
        }
        while (resubmitted.Resubmitted > 0 && rounds < 15);
        var (summary, results) = await _harness.ReceiveAsync(job.Id);
        var counts = _harness.Service.Get(job.Id).Records!;

        Assert.Equal(0, resubmitted.Resubmitted);
        Assert.InRange(rounds, 2, 14); // faults made at least one resubmission necessary
        Assert.Equal(Enumerable.Range(1, 200).Select(i => "row-" + i), results.Select(r => r.CustomId));
        Assert.Equal(200, summary.Total);
        Assert.DoesNotContain(results, r => r.Retryable && r.Status != ResultStatus.Succeeded);
        var permanent = results.Where(r => r.Status == ResultStatus.Failed).ToList();
        Assert.NotEmpty(permanent);
        Assert.All(permanent, r => Assert.False(string.IsNullOrEmpty(r.ErrorMessage)));
        Assert.Equal((200L, 0L, 0L, permanent.Count), (counts.Total, counts.Retryable, counts.Pending + counts.Submitted, (int)counts.Failed));
        Assert.Equal(summary.Succeeded, counts.Succeeded);
        Assert.True(_harness.Service.Get(job.Id).Batches.Count > 5);
        var records = _harness.Service.Records(job.Id).ToDictionary(r => r.CustomId);
        Assert.Equal(200, records.Count);
        Assert.All(results, r => Assert.Equal((r.Status.ToString(), r.BatchId, r.ErrorCode), (records[r.CustomId].State.ToString(), records[r.CustomId].BatchId, records[r.CustomId].ErrorCode)));
        Assert.Contains(records.Values, r => r.Attempts > 1);
        Assert.Equal(permanent.Count, _harness.Service.Records(job.Id, [RecordState.Failed]).Count());
    }

    [Fact]
    public async Task PermanentFailuresAreNotSentAgainAndTheBoundOnAttemptsIsKept()
    {
        _harness.Faults = o => { o.ErrorRate = 0.2; o.ExpireRate = 0.6; o.Seed = 2; };
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 100).Select(i => EngineHarness.Request(i)));

        await _harness.WaitAsync(job.Id);
        var (_, afterFirst) = await _harness.ReceiveAsync(job.Id);
        var first = await _harness.Service.ResubmitAsync(job.Id, new ResubmitOptions { MaxAttempts = 2 }, null, _harness.Reporter, CancellationToken.None);
        await _harness.WaitAsync(job.Id);
        var second = await _harness.Service.ResubmitAsync(job.Id, null, null, _harness.Reporter, CancellationToken.None);
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Contains(afterFirst, r => r.ErrorCode == "invalid_request" && !r.Retryable);
        var log = File.ReadAllLines(summary.ErrorLogPath!).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        var unsuccessful = results.Where(r => r.Status != ResultStatus.Succeeded).ToList();
        Assert.Equal(unsuccessful.Select(r => r.CustomId), log.Select(l => l.GetProperty("customId").GetString()));
        Assert.All(log.Zip(unsuccessful), pair =>
        {
            var (entry, result) = pair;
            Assert.Equal(result.RowNumber, entry.GetProperty("row").GetInt64());
            Assert.Equal(result.Status.ToString(), entry.GetProperty("status").GetString());
            Assert.Equal(result.ErrorMessage, entry.GetProperty("errorMessage").GetString());
            Assert.Equal(result.BatchId, entry.GetProperty("batchId").GetString());
            Assert.True(entry.GetProperty("attempt").GetInt32() >= 1);
            Assert.True(entry.TryGetProperty("batchEndedAt", out _) && entry.TryGetProperty("loggedAt", out _));
        });
        Assert.Equal(afterFirst.Count(r => r.Retryable), first.Resubmitted); // every retryable one, no invalid one
        Assert.Contains(afterFirst, r => r.Status == ResultStatus.Failed && r.Retryable); // retryable server errors went too
        Assert.Contains(afterFirst, r => r.Status == ResultStatus.Expired);
        var invalid = results.Where(r => r.ErrorCode == "invalid_request").ToList();
        Assert.All(invalid, r => Assert.False(r.Retryable));
        Assert.Equal(0, second.Resubmitted);
        Assert.True(second.Exhausted > 0);
        Assert.Equal(second.Exhausted, results.Count(r => r.Retryable && r.Status != ResultStatus.Succeeded));
        Assert.Contains(_harness.Reporter.Warnings, w => w.Contains("bound on attempts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheReportAfterARealJobComesFromTheLedger()
    {
        _harness.Faults = o => { o.ErrorRate = 0.2; o.ExpireRate = 0.3; o.Seed = 4; };
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 100).Select(i => EngineHarness.Request(i)));
        await _harness.WaitAsync(job.Id);
        var resubmit = await _harness.Service.ResubmitAsync(job.Id, null, null, _harness.Reporter, CancellationToken.None);
        var running = _harness.Service.Report(job.Id, BatchAI.Costs.PriceTable.Load());
        await _harness.WaitAsync(job.Id);
        await _harness.ReceiveAsync(job.Id);

        var report = _harness.Service.Report(job.Id, BatchAI.Costs.PriceTable.Load());

        Assert.Equal(resubmit.Resubmitted, running.Outstanding); // the resubmitted records are in running batches
        Assert.Equal((100L, 2, resubmit.Resubmitted, 0L), (report.Records, report.Attempts, report.Resubmitted, report.Outstanding));
        Assert.True(report.FailuresByCause.ContainsKey("invalid_request"), string.Join(", ", report.FailuresByCause.Keys));
        Assert.Equal(report.Counts.Failed + report.Counts.Expired + report.Counts.Canceled, report.FailuresByCause.Values.Sum());
        Assert.Equal(report.BatchCost * 2, report.RealtimeCost);
        Assert.True(report.BatchCost > 0 && report.WallTime > TimeSpan.Zero);
    }

    [Fact]
    public async Task ASecondProcessIsRefusedWhileAJobIsInUse()
    {
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 3).Select(i => EngineHarness.Request(i)));
        using var other = _harness.NewService();
        var ledger = new JobLedger(job.Folder);

        BatchAIException refused;
        using (JobLock.Acquire(ledger, job.Id, "wait", _harness.Clock.UtcNow))
        {
            refused = await Assert.ThrowsAsync<BatchAIException>(() => other.ReceiveAsync(job.Id, _ => { }, null, _harness.Reporter, CancellationToken.None));
        }

        await _harness.WaitAsync(job.Id);
        var (summary, _) = await _harness.ReceiveAsync(job.Id, other);

        Assert.Equal(("JobLocked", ErrorKind.Conflict), (refused.ErrorId, refused.Kind));
        Assert.Contains("in use by another process (process " + Environment.ProcessId + ", wait, since", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, summary.Succeeded); // released: the next run goes ahead
    }

    [Fact]
    public async Task AnInterruptedSubmitResumesWithTheBatchesNotYetSent()
    {
        using var harness = new EngineHarness(limits: new ProviderLimits(maxRequestsPerBatch: 2, maxBytesPerBatch: 1_000_000));
        using var stop = new CancellationTokenSource();
        var reporter = new CancelOnMessage(stop, "batch 2 of 3 submitted");
        using var draft = harness.Service.CreateDraft(EngineHarness.Emulated("crashy"), reporter);
        foreach (var request in Enumerable.Range(1, 5).Select(i => EngineHarness.Request(i)))
        {
            Assert.Empty(draft.Add(request));
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Service.SubmitAsync(draft, reporter, stop.Token));
        var interrupted = harness.Service.Get("crashy");
        var resumed = await harness.Service.ResumeAsync("crashy", null, harness.Reporter, CancellationToken.None);
        await harness.WaitAsync("crashy");
        var (summary, results) = await harness.ReceiveAsync("crashy");

        Assert.Equal(JobState.Submitting, interrupted.State);
        Assert.Equal(2, interrupted.Batches.Count(b => b.BatchId is not null));
        Assert.All(resumed.Batches, b => Assert.NotNull(b.BatchId));
        Assert.Equal(interrupted.Batches.Select(b => b.BatchId).Take(2), resumed.Batches.Select(b => b.BatchId).Take(2));
        Assert.Equal((5L, 5L), (summary.Total, summary.Succeeded));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => "row-" + i), results.Select(r => r.CustomId));
    }

    public void Dispose() => _harness.Dispose();

    /// <summary>Cancels the run when a verbose message contains the text: a crash at that exact point.</summary>
    private sealed class CancelOnMessage(CancellationTokenSource stop, string text) : Hosting.IEngineReporter
    {
        public void Verbose(string message)
        {
            if (message.Contains(text, StringComparison.Ordinal))
            {
                stop.Cancel();
            }
        }

        public void Warning(string message)
        {
        }

        public void Progress(Hosting.ProgressReport report)
        {
        }

        public void Problem(BatchAI.Requests.RecordProblem problem)
        {
        }
    }
}
