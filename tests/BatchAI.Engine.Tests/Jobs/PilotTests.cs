using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// The human spot-check before a large run: only the first N records go out, their results can be received and
/// reviewed, and the rest of the same job is released afterwards; the job then comes back whole.
/// </summary>
public sealed class PilotTests : IDisposable
{
    private readonly EngineHarness _harness = new(limits: new ProviderLimits(maxRequestsPerBatch: 4, maxBytesPerBatch: 1_000_000));

    [Fact]
    public async Task APilotSendsTheFirstRecordsThenTheReleaseSendsTheRestOfTheSameJob()
    {
        using var draft = _harness.Service.CreateDraft(new JobDefinition { Name = "pilot", PilotSize = 5, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter);
        foreach (var request in Enumerable.Range(1, 12).Select(i => EngineHarness.Request(i)))
        {
            Assert.Empty(draft.Add(request));
        }

        var submitted = await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
        var piloted = await _harness.WaitAsync("pilot");
        var (pilotSummary, pilotResults) = await _harness.ReceiveAsync("pilot");
        var released = await _harness.Service.ResumeAsync("pilot", null, _harness.Reporter, CancellationToken.None, release: true);
        var finished = await _harness.WaitAsync("pilot");
        var (summary, results) = await _harness.ReceiveAsync("pilot");

        Assert.Equal([4, 1, 4, 3], submitted.Batches.Select(b => b.Requests));        // the pilot's 5 never share a batch with the rest
        Assert.Equal([false, false, true, true], submitted.Batches.Select(b => b.Held));
        Assert.Equal([true, true, false, false], submitted.Batches.Select(b => b.BatchId is not null));
        Assert.Equal("2 Validating, 2 Held", submitted.BatchSummary);
        Assert.False(piloted.TimedOut);
        Assert.Equal(JobState.AwaitingRelease, piloted.Job.State);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => "row-" + i), pilotResults.Select(r => r.CustomId));
        Assert.Equal(5, pilotSummary.Succeeded);
        Assert.Contains(_harness.Reporter.Warnings, w => w.Contains("7 of its records are held back", StringComparison.Ordinal));
        Assert.All(released.Batches, b => Assert.False(b.Held));
        Assert.Equal(JobState.Finished, finished.Job.State);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => "row-" + i), results.Select(r => r.CustomId));
        Assert.Equal(12, summary.Succeeded);
        Assert.Equal(4, finished.Job.Batches.Select(b => b.BatchId).Distinct().Count());
    }

    [Fact]
    public void APilotOfNothingIsRefused()
    {
        var error = Assert.Throws<BatchAIException>(() => _harness.Service.CreateDraft(new JobDefinition { PilotSize = 0, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter));

        Assert.Equal("PilotSizeInvalid", error.ErrorId);
    }

    public void Dispose() => _harness.Dispose();
}
