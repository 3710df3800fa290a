using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// The same job through each provider's emulated Batch API: same records, same result shape, one parameter apart.
/// </summary>
public sealed class EveryProviderFlowTests : IDisposable
{
    private const string LabelSchema = """{"title":"ticket label","type":"object","properties":{"label":{"type":"string","enum":["billing","bug","other"]},"urgent":{"type":["boolean","null"]}},"required":["label","urgent"],"additionalProperties":false}""";
    private readonly EngineHarness _harness = new();

    public static TheoryData<ProviderKind> Providers => [ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini, ProviderKind.AzureOpenAI];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ACsvWithASchemaGoesThroughEveryProviderAndJoinsItsRecords(ProviderKind provider)
    {
        var options = EngineHarness.Options("Label this ticket: {subject}\n{body}", o =>
        {
            o.IdColumn = "id";
            o.Model = ProviderNames.ExampleModel(provider);
            o.Schema = ResponseSchema.Parse(LabelSchema);
            o.SystemPrompt = "You label tickets.";
            o.MaxOutputTokens = 200;
        });

        var submitted = await _harness.SubmitFileAsync(Fixture.Path("tickets.csv"), options, "tickets", provider);
        var waited = await _harness.WaitAsync(submitted.Id);
        var (summary, results) = await _harness.ReceiveAsync(submitted.Id);

        Assert.Equal(provider, submitted.Provider);
        Assert.Equal(JobState.Finished, waited.Job.State);
        Assert.Equal(BatchState.Completed, Assert.Single(waited.Job.Batches).State);
        Assert.Equal(["T-1", "T-2", "T-3", "T-4"], results.Select(r => r.CustomId));
        Assert.Equal((4L, 4L), (summary.Succeeded, summary.Total));
        using var source = RecordFiles.Open(Fixture.Path("tickets.csv"));
        var originals = source.Read().Select(r => r.Record!).ToList();
        for (var i = 0; i < originals.Count; i++)
        {
            Assert.Equal(originals[i].Values, results[i].Source.Values);
        }

        Assert.All(results, r =>
        {
            var answer = Assert.IsType<Dictionary<string, object?>>(r.ParseJson());
            Assert.Contains(answer["label"], new object[] { "billing", "bug", "other" });
            Assert.True(r.InputTokens > 0 && r.OutputTokens > 0, $"{provider}: {r.InputTokens}/{r.OutputTokens}");
            Assert.False(string.IsNullOrEmpty(r.BatchId));
            Assert.True(r.Details.ContainsKey("finish_reason"), string.Join(", ", r.Details.Keys));

            // A dictionary, so that PowerShell reads $result.Details.finish_reason as a property.
            var details = Assert.IsAssignableFrom<System.Collections.IDictionary>(r.Details);
            Assert.Equal(r.Details["finish_reason"], details["finish_reason"]);
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AJobTooLargeForOneBatchIsSplitAndComesBackAsOne(ProviderKind provider)
    {
        using var harness = new EngineHarness(limits: new ProviderLimits(maxRequestsPerBatch: 3, maxBytesPerBatch: 1_000_000));

        var job = await harness.SubmitAsync(Enumerable.Range(1, 10).Select(i => EngineHarness.Request(i, ProviderNames.ExampleModel(provider))), provider: provider);
        var waited = await harness.WaitAsync(job.Id);
        var (summary, results) = await harness.ReceiveAsync(job.Id);

        Assert.Equal([3, 3, 3, 1], job.Batches.Select(b => b.Requests));
        Assert.Equal(4, job.Batches.Select(b => b.BatchId).Distinct().Count());
        Assert.All(waited.Job.Batches, b => Assert.Equal(BatchState.Completed, b.State));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => "row-" + i), results.Select(r => r.CustomId));
        Assert.Equal(10, summary.Succeeded);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ACanceledJobComesBackCanceledAndRetryable(ProviderKind provider)
    {
        _harness.Processing = TimeSpan.FromHours(1);
        var job = await _harness.SubmitAsync([EngineHarness.Request(1, ProviderNames.ExampleModel(provider)), EngineHarness.Request(2, ProviderNames.ExampleModel(provider))], provider: provider);

        await _harness.Service.CancelAsync(job.Id, null, _harness.Reporter, CancellationToken.None);
        var waited = await _harness.WaitAsync(job.Id);
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(BatchState.Canceled, Assert.Single(waited.Job.Batches).State);
        Assert.Equal(2, summary.Canceled);
        Assert.All(results, r => Assert.True(r.Retryable && r.ErrorCode == "batch_cancelled", r.ErrorCode));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ABatchPastItsWindowExpiresAndItsUnrunRequestsSaySo(ProviderKind provider)
    {
        _harness.Processing = TimeSpan.FromHours(72);
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 20).Select(i => EngineHarness.Request(i, ProviderNames.ExampleModel(provider))), provider: provider);

        var waited = await _harness.WaitAsync(job.Id, new WaitOptions { MaxPollInterval = TimeSpan.FromHours(1) });
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(BatchState.Expired, Assert.Single(waited.Job.Batches).State);
        Assert.Equal(20, summary.Total);
        Assert.True(summary.Expired > 0, summary.ToString());
        Assert.All(results.Where(r => r.Status == ResultStatus.Expired), r => Assert.True(r.Retryable && r.ErrorCode == "batch_expired"));
        if (provider == ProviderKind.Gemini)
        {
            // Gemini returns nothing for an expired batch (after 48 hours); the others keep what they finished in 24.
            Assert.Equal(20, summary.Expired);
        }
        else
        {
            Assert.True(summary.Succeeded > 0, summary.ToString());
        }
    }

    [Fact]
    public void ATemperatureAnthropicDoesNotTakeIsRefusedBeforeAnythingIsSent()
    {
        var good = EngineHarness.Request(1, "claude-haiku-4-5");
        var hot = new BatchRequest("hot", good.Source, "Say something", "claude-haiku-4-5", temperature: 1.5);
        using var draft = _harness.Service.CreateDraft(EngineHarness.Emulated(provider: ProviderKind.Anthropic), _harness.Reporter);

        var accepted = draft.Add(good);
        var refused = Assert.Single(draft.Add(hot));

        Assert.Empty(accepted);
        Assert.Equal(("TemperatureOutOfRange", "Temperature"), (refused.ErrorId, refused.Field));
        Assert.Contains("from 0 to 1; 1.5 was given", refused.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidRecordsException>(draft.ThrowIfAnyRejected);
    }

    public void Dispose() => _harness.Dispose();
}
