using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// The provider's limit on what an account has queued at once (OpenAI's enqueued tokens, Anthropic's processing
/// queue): a job larger than it goes out a share at a time, waiting submits more as earlier batches finish, its
/// progress shows every batch as one job, and a batch the provider refuses for a full queue waits and goes again.
/// </summary>
public sealed class QueueLimitTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    [Fact]
    public async Task AJobLargerThanTheQueueGoesOutAShareAtATimeAndWaitingSubmitsTheRest()
    {
        // Each request counts about 12 tokens at the emulator and 9 in our estimate: a part of up to 1,000 estimated
        // tokens is about 1,330 there, so two parts queued at once would pass the emulator's 1,500 and be refused.
        _harness.Faults = o => o.QueuedTokenLimit = 1_500;
        var submitted = await SubmitAsync(Requests(300), new JobDefinition { MaxQueuedTokens = 1_000 });

        Assert.Equal(1_000, submitted.QueuedTokenLimit);
        Assert.True(submitted.Batches.Count >= 3, submitted.BatchSummary);
        Assert.All(submitted.Batches, b => Assert.InRange(b.Tokens, 1, 1_000));
        Assert.Equal(300, submitted.Batches.Sum(b => b.Requests));
        Assert.Equal([true, .. Enumerable.Repeat(false, submitted.Batches.Count - 1)], submitted.Batches.Select(b => b.BatchId is not null));
        Assert.All(submitted.Batches.Skip(1), b => Assert.True(b.AwaitsQueue));
        Assert.Equal(JobState.Running, submitted.State);
        Assert.StartsWith($"{submitted.Batches.Count - 1} AwaitingQueue, 1 Validating", submitted.BatchSummary, StringComparison.Ordinal);
        Assert.Contains(_harness.Reporter.Warnings, w => w.Contains("wait for room in the provider's queue", StringComparison.Ordinal));

        var outcome = await _harness.WaitAsync(submitted.Id);

        var job = outcome.Job;
        Assert.Equal(JobState.Finished, job.State);
        Assert.All(job.Batches, b => Assert.Equal(BatchState.Completed, b.State)); // none refused by the emulator
        for (var i = 1; i < job.Batches.Count; i++)
        {
            Assert.True(job.Batches[i].SubmittedAt >= job.Batches[i - 1].FinishedAt, $"batch {i + 1} went out before batch {i} finished");
        }

        var (_, results) = await _harness.ReceiveAsync(job.Id);
        Assert.Equal(Requests(300).Select(r => r.CustomId), results.Select(r => r.CustomId));
        Assert.All(results, r => Assert.Equal(ResultStatus.Succeeded, r.Status));
    }

    [Fact]
    public async Task TheWaitsProgressShowsEveryBatchOfTheJobAsOne()
    {
        var submitted = await SubmitAsync(Requests(300), new JobDefinition { MaxQueuedTokens = 1_000 });

        await _harness.WaitAsync(submitted.Id);

        var waits = _harness.Reporter.ProgressReports.Where(p => p.Activity.StartsWith("Waiting for job", StringComparison.Ordinal) && !p.Completed).ToList();
        Assert.Contains(waits, p => p.Status.Contains("AwaitingQueue", StringComparison.Ordinal) && p.Status.Contains("of 300 requests done", StringComparison.Ordinal));
        Assert.Equal(waits.Select(p => p.PercentComplete).Order(), waits.Select(p => p.PercentComplete)); // one bar, never going back
        Assert.Contains("of 300 requests done", waits[^1].Status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABatchTheProviderRefusesForAFullQueueWaitsForRoomAndGoesAgain()
    {
        // The job sets no limit of its own, so its three batches go out at once; the account's queue holds one.
        _harness.Faults = o => o.QueuedTokenLimit = 1_500;
        var submitted = await SubmitAsync(Requests(300), new JobDefinition { MaxQueuedTokens = 0, MaxRequestsPerBatch = 100 });
        Assert.Null(submitted.QueuedTokenLimit);
        Assert.All(submitted.Batches, b => Assert.NotNull(b.BatchId));

        var outcome = await _harness.WaitAsync(submitted.Id);

        Assert.All(outcome.Job.Batches, b => Assert.Equal(BatchState.Completed, b.State));
        var manifest = new JobLedger(outcome.Job.Folder).Load();
        Assert.Equal([0, 1, 1], manifest.Parts.Select(p => p.QueueRefusals));
        // Learnt: the account holds one batch at a time, so the job's limit came down to fit one, not two.
        Assert.InRange(manifest.QueuedTokenLimit!.Value, manifest.Parts.Max(p => p.Tokens), manifest.Parts[0].Tokens + manifest.Parts[1].Tokens - 1);

        var (_, results) = await _harness.ReceiveAsync(outcome.Job.Id);
        Assert.Equal(300, results.Count);
        Assert.All(results, r => Assert.Equal(ResultStatus.Succeeded, r.Status));
    }

    [Fact]
    public async Task ABatchRefusedEveryTimeEndsFailedAfterABoundedNumberOfTries()
    {
        _harness.Faults = o => o.QueuedTokenLimit = 10; // smaller than any batch
        var submitted = await SubmitAsync(Requests(20), new JobDefinition { MaxQueuedTokens = 0 });

        var outcome = await _harness.WaitAsync(submitted.Id);

        var batch = Assert.Single(outcome.Job.Batches);
        Assert.Equal(BatchState.Failed, batch.State);
        Assert.Contains(batch.Errors, e => e.StartsWith("token_limit_exceeded", StringComparison.Ordinal));
        Assert.Equal(JobService.MaxQueueRefusals, new JobLedger(outcome.Job.Folder).Load().Parts[0].QueueRefusals);
    }

    [Fact]
    public async Task AnthropicsQueueCountsRequests()
    {
        var submitted = await SubmitAsync(Requests(250, "claude-haiku-4-5"), new JobDefinition { MaxQueuedRequests = 100 }, ProviderKind.Anthropic);

        Assert.Equal([100, 100, 50], submitted.Batches.Select(b => b.Requests));
        Assert.Single(submitted.Batches, b => b.BatchId is not null);

        var outcome = await _harness.WaitAsync(submitted.Id);

        Assert.All(outcome.Job.Batches, b => Assert.Equal(BatchState.Completed, b.State));
        Assert.True(outcome.Job.Batches[2].SubmittedAt >= outcome.Job.Batches[1].FinishedAt);
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, 2_000_000L, null)]
    [InlineData(ProviderKind.AzureOpenAI, 200_000_000L, null)]
    [InlineData(ProviderKind.Gemini, 3_000_000L, null)]
    [InlineData(ProviderKind.Anthropic, null, 100_000L)]
    public async Task EachProviderHasItsDocumentedDefault(ProviderKind provider, long? tokens, long? requests)
    {
        var job = await SubmitAsync(Requests(3, ProviderNames.ExampleModel(provider)), new JobDefinition(), provider);

        Assert.Equal((tokens, requests), (job.QueuedTokenLimit, job.QueuedRequestLimit));
    }

    [Fact]
    public void ANegativeLimitIsRefusedBeforeAnythingIsPrepared()
    {
        var definition = EngineHarness.Emulated();
        definition.MaxQueuedTokens = -1;

        var error = Assert.Throws<BatchAIException>(() => _harness.Service.CreateDraft(definition, _harness.Reporter));

        Assert.Equal("QueueLimitInvalid", error.ErrorId);
        Assert.False(Directory.Exists(Path.Combine(_harness.Store, "jobs")));
    }

    public void Dispose() => _harness.Dispose();

    private static List<BatchRequest> Requests(int count, string model = "gpt-4o-mini") =>
        Enumerable.Range(1, count).Select(i => EngineHarness.Request(i, model)).ToList();

    private async Task<BatchJob> SubmitAsync(IEnumerable<BatchRequest> requests, JobDefinition definition, ProviderKind provider = ProviderKind.OpenAI)
    {
        definition.Connection = new ProviderConnection { Provider = provider, UseEmulator = true };
        using var draft = _harness.Service.CreateDraft(definition, _harness.Reporter);
        foreach (var request in requests)
        {
            Assert.Empty(draft.Add(request));
        }

        return await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
    }
}
