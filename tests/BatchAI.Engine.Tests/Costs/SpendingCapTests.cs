using BatchAI.Costs;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Costs;

/// <summary>A submit whose estimated batch cost passes the store's cap is refused before anything is sent, unless forced.</summary>
public sealed class SpendingCapTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    // 10 requests of 40 ASCII characters (10 tokens + 4 for the message, by the approximation) and MaxTokens 100 on
    // gpt-4o-mini at batch rates: 140 x 0.075 / 1M + 1,000 x 0.30 / 1M = 0.0000105 + 0.0003 = 0.0003105 USD.
    private const decimal Estimate = 0.0003105m;

    private static IEnumerable<BatchRequest> Requests(string model = "gpt-4o-mini") =>
        Enumerable.Range(1, 10).Select(i => new BatchRequest("r" + i, SourceRecord.FromPairs(i, [new("n", i)]), new string('x', 40), model, maxOutputTokens: 100));

    [Fact]
    public async Task EveryJobRecordsItsEstimatedBatchCost()
    {
        var job = await _harness.SubmitAsync(Requests());

        Assert.Equal(Estimate, job.EstimatedCostUsd);
    }

    [Fact]
    public async Task AJobOverThePerJobCapIsRefusedWithTheFiguresAndNothingIsSentUnlessForced()
    {
        var calls = new CallCounter();
        _harness.Wrap = calls.Around;
        _harness.Service.SpendingCap = new SpendingCap { PerJobUsd = 0.0003m };

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.SubmitAsync(Requests()));
        Assert.Equal(0, calls.Count);
        Assert.Empty(_harness.Service.List());

        using var draft = _harness.Service.CreateDraft(new JobDefinition { IgnoreSpendingCap = true, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter);
        foreach (var request in Requests())
        {
            draft.Add(request);
        }

        var forced = await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
        Assert.True(calls.Count > 0); // the counter sees calls: its 0 above means nothing was sent

        Assert.Equal("SpendingCapExceeded", error.ErrorId);
        Assert.Contains("about 0.0003 USD", error.Message, StringComparison.Ordinal);
        Assert.Contains("per-job cap of 0.0003 USD", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was sent", error.Message, StringComparison.Ordinal);
        Assert.NotNull(forced.Batches[0].BatchId);
    }

    [Fact]
    public async Task TheMonthlyCapCountsWhatWasAlreadySubmittedThisMonth()
    {
        _harness.Service.SpendingCap = new SpendingCap { PerMonthUsd = Estimate * 1.5m };

        await _harness.SubmitAsync(Requests());
        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.SubmitAsync(Requests()));

        Assert.Equal("SpendingCapExceeded", error.ErrorId);
        Assert.Contains("already submitted this month", error.Message, StringComparison.Ordinal);
        Assert.Single(_harness.Service.List());
    }

    [Fact]
    public async Task WithACapSetAModelWithoutAPriceCannotBeChecked()
    {
        _harness.Service.SpendingCap = new SpendingCap { PerJobUsd = 10 };

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.SubmitAsync(Requests("gpt-4o-mini-batch"), provider: ProviderKind.AzureOpenAI));

        Assert.Equal("SpendingCapUnchecked", error.ErrorId);
        Assert.Contains("gpt-4o-mini-batch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CapsAreKeptInTheStoreAndANegativeOneIsRefused()
    {
        _harness.Service.SpendingCap = new SpendingCap { PerJobUsd = 5, PerMonthUsd = 100 };
        using var other = _harness.NewService();

        Assert.Equal((5m, 100m), (other.SpendingCap.PerJobUsd, other.SpendingCap.PerMonthUsd));
        Assert.Throws<BatchAIException>(() => _harness.Service.SpendingCap = new SpendingCap { PerJobUsd = -1 });
    }

    public void Dispose() => _harness.Dispose();
}
