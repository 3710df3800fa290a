using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Realtime;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Realtime;

/// <summary>
/// The real-time lane: the same requests, one synchronous call each, results in input order and in a batch result's
/// shape; within the per-minute limit it meets no 429; past it, it is retried until done.
/// </summary>
public sealed class RealtimeLaneTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    public static TheoryData<ProviderKind> Providers => [ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini, ProviderKind.AzureOpenAI];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EachProviderAnswersInInputOrderInTheShapeABatchGives(ProviderKind provider)
    {
        var requests = Enumerable.Range(1, 20).Select(i => EngineHarness.Request(i, ProviderNames.ExampleModel(provider))).ToList();
        var results = new List<BatchResult>();

        var summary = await RunAsync(requests, new RealtimeOptions { MaxConcurrency = 6 }, results, provider);
        var batch = await _harness.SubmitAsync(requests, provider: provider);
        await _harness.WaitAsync(batch.Id);
        var (_, batched) = await _harness.ReceiveAsync(batch.Id);

        Assert.Equal(requests.Select(r => r.CustomId), results.Select(r => r.CustomId));
        Assert.All(results, r =>
        {
            Assert.Equal((ResultStatus.Succeeded, "realtime"), (r.Status, r.BatchId));
            Assert.StartsWith("[emulated]", r.Output, StringComparison.Ordinal);
            Assert.True(r.InputTokens > 0 && r.OutputTokens > 0);
        });
        Assert.Equal(batched.Select(r => (r.CustomId, r.Status, r.Source.Values.Count)), results.Select(r => (r.CustomId, r.Status, r.Source.Values.Count)));
        Assert.Equal(batched[0].Details.Keys.Where(k => k != "line_id").Order(), results[0].Details.Keys.Order()); // a synchronous call has no batch line
        Assert.Equal((20L, 20L, 0L, 20L, 0L), (summary.Requests, summary.Succeeded, summary.Failed, summary.Calls, summary.RateLimited));
        Assert.Equal(results.Sum(r => (long)r.InputTokens!), summary.InputTokens);
    }

    [Fact]
    public async Task WithinTheProvidersLimitNotOne429IsMet()
    {
        _harness.Faults = o => o.RequestsPerMinute = 30;
        var requests = Enumerable.Range(1, 90).Select(i => EngineHarness.Request(i)).ToList();
        var results = new List<BatchResult>();
        var start = _harness.Clock.UtcNow;

        var summary = await RunAsync(requests, new RealtimeOptions { MaxConcurrency = 8, RequestsPerMinute = 30 }, results);

        Assert.Equal((90L, 0L, 90L), (summary.Succeeded, summary.RateLimited, summary.Calls));
        Assert.InRange((_harness.Clock.UtcNow - start).TotalMinutes, 2, 3.5); // 90 calls at 30 a minute
    }

    [Fact]
    public async Task AtTheProvidersLimitTheLaneSustainsAtLeast95PercentOfItWithout429s()
    {
        const int limit = 60;
        _harness.Faults = o => o.RequestsPerMinute = limit;
        var requests = Enumerable.Range(1, 600).Select(i => EngineHarness.Request(i)).ToList();
        var results = new List<BatchResult>();
        var start = _harness.Clock.UtcNow;

        // One call at a time: on the virtual clock a wait jumps time while other calls are in flight, which would date
        // their answers a minute late and understate the pace. Calls in parallel are measured in real time by
        // bench/side-by-side.sh (README, "Side by side").
        var summary = await RunAsync(requests, new RealtimeOptions { MaxConcurrency = 1, RequestsPerMinute = limit }, results);

        Assert.Equal((600L, 0L, 600L), (summary.Succeeded, summary.RateLimited, summary.Calls));

        // The first minute's calls go at once; the rest must keep pace with the limit after it.
        var afterTheFirstMinute = (_harness.Clock.UtcNow - start).TotalMinutes;
        var sustained = (600 - limit) / afterTheFirstMinute;
        Assert.True(sustained >= 0.95 * limit, $"{sustained:0.0} calls a minute against a limit of {limit}; waits: {string.Join(", ", _harness.Clock.Delays.GroupBy(d => d).Select(g => $"{g.Count()}x{g.Key.TotalSeconds}s"))}");
    }

    [Fact]
    public async Task PastTheLimitTheLaneMeets429sAndRetriesUntilEveryRecordIsAnswered()
    {
        _harness.Faults = o => o.RequestsPerMinute = 10;
        var requests = Enumerable.Range(1, 30).Select(i => EngineHarness.Request(i)).ToList();
        var results = new List<BatchResult>();

        var summary = await RunAsync(requests, new RealtimeOptions { MaxConcurrency = 4 }, results);

        Assert.Equal(30L, summary.Succeeded);
        Assert.True(summary.RateLimited > 0, "no 429 met");
        Assert.Equal(summary.Calls - 30, summary.Retries);
        Assert.Equal(requests.Select(r => r.CustomId), results.Select(r => r.CustomId));
    }

    [Fact]
    public async Task ARequestTheProviderWouldRefuseFailsAloneAndAnAnswerThatBreaksItsSchemaIsMarked()
    {
        var good = EngineHarness.Request(1, "claude-haiku-4-5");
        var hot = new BatchRequest("hot", good.Source, "Say something", "claude-haiku-4-5", temperature: 1.5);
        var cut = new BatchRequest("cut", good.Source, "Label this", "claude-haiku-4-5", maxOutputTokens: 2, schema: ResponseSchema.Parse("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}"""));
        var results = new List<BatchResult>();

        await RunAsync([good, hot, cut], new RealtimeOptions(), results, ProviderKind.Anthropic);

        Assert.Equal(ResultStatus.Succeeded, results[0].Status);
        Assert.Equal((ResultStatus.Failed, "TemperatureOutOfRange", false), (results[1].Status, results[1].ErrorCode, results[1].Retryable));
        Assert.Equal((ResultStatus.Failed, "invalid_json"), (results[2].Status, results[2].ErrorCode));
    }

    [Fact]
    public async Task ARefusedKeyStopsTheRun()
    {
        _harness.Faults = o => o.RequiredApiKey = "sk-the-right-one";
        var connection = new ProviderConnection { UseEmulator = true, ApiKey = "sk-a-wrong-one" };

        var error = await Assert.ThrowsAsync<ProviderException>(() => _harness.Service.RunRealtimeAsync(connection, Enumerable.Range(1, 50).Select(i => EngineHarness.Request(i)), new RealtimeOptions(), _ => { }, _harness.Reporter, CancellationToken.None));

        Assert.Equal("ProviderAuthenticationFailed", error.ErrorId);
    }

    public void Dispose() => _harness.Dispose();

    private Task<RealtimeSummary> RunAsync(IEnumerable<BatchRequest> requests, RealtimeOptions options, List<BatchResult> results, ProviderKind provider = ProviderKind.OpenAI) =>
        _harness.Service.RunRealtimeAsync(new ProviderConnection { Provider = provider, UseEmulator = true }, requests, options, results.Add, _harness.Reporter, CancellationToken.None);
}
