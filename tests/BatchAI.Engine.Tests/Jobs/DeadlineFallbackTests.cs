using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// A job with a deadline: near it, what the batch has not answered goes through the real-time lane, the running
/// batch is canceled first (nothing paid twice), and the extra cost is reported.
/// </summary>
public sealed class DeadlineFallbackTests : IDisposable
{
    private readonly EngineHarness _harness = new(processing: TimeSpan.FromHours(10));

    [Fact]
    public async Task NearTheDeadlineTheUnfinishedRecordsRunInRealTimeAndTheJobComesBackWhole()
    {
        var job = await SubmitAsync(TimeSpan.FromHours(6));
        var early = await Assert.ThrowsAsync<BatchAIException>(() => _harness.Service.FallbackAsync(job.Id, null, null, _harness.Reporter, CancellationToken.None));
        _harness.Clock.Advance(TimeSpan.FromHours(5.5)); // half the batch has run

        var fallback = await _harness.Service.FallbackAsync(job.Id, null, null, _harness.Reporter, CancellationToken.None);
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal("FallbackTooEarly", early.ErrorId);
        Assert.Contains("runs from 1 h before it", early.Message, StringComparison.Ordinal);
        Assert.Equal(1, fallback.BatchesCanceled);
        Assert.InRange(fallback.Records, 5, 15);
        Assert.Equal(fallback.Records, fallback.Succeeded);
        Assert.Equal(20, summary.Succeeded);
        Assert.Equal(fallback.Records, results.Count(r => r.BatchId!.StartsWith("realtime-", StringComparison.Ordinal)));
        Assert.Equal(20 - fallback.Records, results.Count(r => r.BatchId == job.Batches[0].BatchId)); // what the batch finished is kept
        Assert.True(fallback.ExtraCost > 0);
        Assert.Equal(fallback.RealtimeCost, fallback.BatchCost * 2);
        Assert.Equal(0, _harness.Service.Get(job.Id).Records!.Retryable);
    }

    [Fact]
    public async Task WithoutADeadlineItRunsOnlyWhenAskedToRunNow()
    {
        var job = await SubmitAsync(deadline: null);

        var refused = await Assert.ThrowsAsync<BatchAIException>(() => _harness.Service.FallbackAsync(job.Id, null, null, _harness.Reporter, CancellationToken.None));
        var now = await _harness.Service.FallbackAsync(job.Id, new FallbackOptions { Now = true }, null, _harness.Reporter, CancellationToken.None);

        Assert.Equal("FallbackNoDeadline", refused.ErrorId);
        Assert.Equal(20, now.Records); // nothing had run yet
        Assert.Equal(JobState.Finished, now.Job.State);
    }

    public void Dispose() => _harness.Dispose();

    private async Task<BatchJob> SubmitAsync(TimeSpan? deadline)
    {
        using var draft = _harness.Service.CreateDraft(new JobDefinition { Deadline = deadline is { } d ? _harness.Clock.UtcNow + d : null, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter);
        foreach (var request in Enumerable.Range(1, 20).Select(i => EngineHarness.Request(i)))
        {
            Assert.Empty(draft.Add(request));
        }

        return await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
    }
}
