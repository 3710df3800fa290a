using BatchAI.Engine.Tests.Support;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// The one moment a batch can be paid for twice: the create call reached the provider, but its answer never came
/// back (a dropped connection, a crash, a kill). The batch is found by the mark BatchAI gives it and kept, not created
/// again; where the provider offers no mark (Anthropic), the user is told.
/// </summary>
public sealed class LostCreateTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    public static TheoryData<ProviderKind> Findable => [ProviderKind.OpenAI, ProviderKind.AzureOpenAI, ProviderKind.Gemini];

    [Theory]
    [MemberData(nameof(Findable))]
    public async Task ABatchCreatedWhoseAnswerWasLostIsFoundAndNotCreatedTwice(ProviderKind provider)
    {
        var loser = new LoseFirstCreateAnswer();
        _harness.Wrap = emulator => loser.Around(emulator);

        var job = await _harness.SubmitAsync(Enumerable.Range(1, 3).Select(i => EngineHarness.Request(i, ProviderNames.ExampleModel(provider))), provider: provider);
        await _harness.WaitAsync(job.Id);
        var (summary, _) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(1, loser.CreatesReceived); // the provider saw one create: nothing paid twice
        Assert.Equal(1, loser.AnswersLost);
        Assert.Equal(loser.CreatedBatchId, Assert.Single(job.Batches).BatchId);
        Assert.Contains(_harness.Reporter.VerboseMessages, m => m.Contains("before the submit was interrupted; it is kept, not created again", StringComparison.Ordinal));
        Assert.Equal(3, summary.Succeeded);
    }

    [Fact]
    public async Task AnAnthropicCreateWhoseAnswerWasLostIsNotRepeatedBlindlyAndResumeSaysWhatMayHaveHappened()
    {
        var loser = new LoseFirstCreateAnswer();
        _harness.Wrap = emulator => loser.Around(emulator);

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.SubmitAsync([EngineHarness.Request(1, "claude-haiku-4-5")], name: "lost", provider: ProviderKind.Anthropic));
        Assert.Equal(1, loser.CreatesReceived); // not retried on its own
        Assert.Contains(_harness.Reporter.Warnings, w => w.Contains("0 of 1 batch(es) submitted; resume it with: batchai resume job-", StringComparison.Ordinal));
        var resumed = await _harness.Service.ResumeAsync("lost", null, _harness.Reporter, CancellationToken.None);

        Assert.Equal("ProviderUnreachable", error.ErrorId);
        Assert.Contains(_harness.Reporter.Warnings, w => w.Contains("carry no mark to find them by", StringComparison.Ordinal) && w.Contains("check the provider's console", StringComparison.Ordinal));
        Assert.Equal(2, loser.CreatesReceived); // created again only when the user resumed, and told so
        Assert.NotNull(Assert.Single(resumed.Batches).BatchId);
    }

    public void Dispose() => _harness.Dispose();

    /// <summary>Lets the first batch-create call reach the emulator, then loses its answer as a dropped connection would.</summary>
    private sealed class LoseFirstCreateAnswer
    {
        public int CreatesReceived { get; private set; }

        public int AnswersLost { get; private set; }

        public string? CreatedBatchId { get; private set; }

        public HttpMessageHandler Around(HttpMessageHandler emulator) => new Handler(this, emulator);

        private static bool IsCreate(HttpRequestMessage request)
        {
            var path = request.RequestUri!.AbsolutePath;
            return request.Method == HttpMethod.Post && (path.EndsWith("/batches", StringComparison.Ordinal) || path.EndsWith(":batchGenerateContent", StringComparison.Ordinal));
        }

        private sealed class Handler(LoseFirstCreateAnswer owner, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (!IsCreate(request))
                {
                    return response;
                }

                owner.CreatesReceived++;
                if (owner.AnswersLost > 0)
                {
                    return response;
                }

                owner.AnswersLost++;
                using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var root = body.RootElement;
                owner.CreatedBatchId = root.TryGetProperty("id", out var id) ? id.GetString() : root.GetProperty("name").GetString();
                response.Dispose();
                throw new HttpRequestException("The connection was reset.", new IOException("Connection reset by peer"));
            }
        }
    }
}
