using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Anthropic.Models.Messages.Batches;
using BatchAI.Emulator.Tests.Support;

namespace BatchAI.Emulator.Tests.Anthropic;

/// <summary>
/// The official Anthropic .NET client, unchanged, pointed at the emulator: it judges the Message Batches protocol as
/// the OpenAI client judges the files and batches one. The client sends what current SDKs send (the key as
/// <c>Authorization: Bearer</c>, its own <c>anthropic-version</c>) and reads results from the absolute
/// <c>results_url</c> the batch object gives, so each test here is also a check that the emulator accepts exactly that.
/// </summary>
public sealed class OfficialAnthropicClientTests : IDisposable
{
    private readonly EmulatorHarness _harness = new();
    private readonly List<HttpRequestMessage> _sent = [];
    private readonly AnthropicClient _client;

    public OfficialAnthropicClientTests()
    {
        _client = ClientWithKey(EmulatorHarness.ApiKey);
    }

    [Fact]
    public async Task CreatesRetrievesAndEndsABatchThenStreamsItsResults()
    {
        var created = await _client.Messages.Batches.Create(Batch(("first", "Say hi"), ("second", "Say bye")));
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));
        var ended = await _client.Messages.Batches.Retrieve(created.ID);
        var results = new List<MessageBatchIndividualResponse>();
        await foreach (var result in _client.Messages.Batches.ResultsStreaming(created.ID))
        {
            results.Add(result);
        }

        Assert.StartsWith("msgbatch_", created.ID, StringComparison.Ordinal);
        Assert.Equal(ProcessingStatus.InProgress, created.ProcessingStatus.Value());
        Assert.Equal(2, created.RequestCounts.Processing);
        Assert.Null(created.ResultsUrl);
        Assert.Equal(ProcessingStatus.Ended, ended.ProcessingStatus.Value());
        Assert.Equal(2, ended.RequestCounts.Succeeded);
        Assert.NotNull(ended.EndedAt);
        Assert.StartsWith("http://emulator.test/v1/messages/batches/" + created.ID + "/results", ended.ResultsUrl, StringComparison.Ordinal);
        Assert.Equal(["first", "second"], results.Select(r => r.CustomID).Order());
        Assert.All(results, r =>
        {
            Assert.True(r.Result.TryPickSucceeded(out var succeeded));
            Assert.True(succeeded!.Message.Content[0].TryPickText(out var text));
            Assert.StartsWith("[emulated]", text!.Text, StringComparison.Ordinal);
            Assert.True(succeeded.Message.Usage.InputTokens > 0);
        });
        Assert.All(_sent, r => Assert.Equal("Bearer", r.Headers.Authorization?.Scheme));
        Assert.All(_sent, r => Assert.True(r.Headers.Contains("anthropic-version")));
        Assert.Equal(ended.ResultsUrl, _sent[^1].RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task ListsBatchesNewestFirstPageByPage()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _client.Messages.Batches.Create(Batch(("r" + i, "prompt " + i)))).ID);
            _harness.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var listed = new List<string>();
        var page = await _client.Messages.Batches.List(new BatchListParams { Limit = 2 });
        while (true)
        {
            listed.AddRange(page.Items.Select(b => b.ID));
            if (!page.HasNext())
            {
                break;
            }

            page = await page.Next();
        }

        Assert.Equal(Enumerable.Reverse(ids), listed);
    }

    [Fact]
    public async Task CancelsARunningBatchAndReportsTheUnrunRequestsAsCanceled()
    {
        _harness.Options.ProcessingTime = TimeSpan.FromMinutes(10);
        var created = await _client.Messages.Batches.Create(Batch(Enumerable.Range(1, 10).Select(i => ("r" + i, "prompt " + i)).ToArray()));
        _harness.Clock.Advance(TimeSpan.FromMinutes(5)); // half way through the run

        var canceling = await _client.Messages.Batches.Cancel(created.ID);
        _harness.Clock.Advance(TimeSpan.FromSeconds(2));
        var ended = await _client.Messages.Batches.Retrieve(created.ID);
        var outcomes = new List<MessageBatchIndividualResponse>();
        await foreach (var result in _client.Messages.Batches.ResultsStreaming(created.ID))
        {
            outcomes.Add(result);
        }

        Assert.Equal(ProcessingStatus.Canceling, canceling.ProcessingStatus.Value());
        Assert.NotNull(canceling.CancelInitiatedAt);
        Assert.Equal(ProcessingStatus.Ended, ended.ProcessingStatus.Value());
        Assert.Equal(10, ended.RequestCounts.Succeeded + ended.RequestCounts.Canceled);
        Assert.InRange(ended.RequestCounts.Canceled, 4, 7);
        Assert.Equal(10, outcomes.Count);
        Assert.Equal(ended.RequestCounts.Canceled, outcomes.Count(r => r.Result.TryPickCanceled(out _)));
    }

    [Fact]
    public async Task AnUnknownBatchIsNotFoundAndAWrongKeyIsUnauthorized()
    {
        _harness.Options.RequiredApiKey = "sk-ant-the-right-key";

        var missing = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => ClientWithKey("sk-ant-the-right-key").Messages.Batches.Retrieve("msgbatch_nothing_here"));
        var refused = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => ClientWithKey("sk-ant-a-wrong-key").Messages.Batches.Retrieve("msgbatch_nothing_here"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    public void Dispose() => _harness.Dispose();

    private static BatchCreateParams Batch(params (string CustomId, string Prompt)[] requests) => new()
    {
        Requests = requests.Select(r => new Request
        {
            CustomID = r.CustomId,
            Params = new Params
            {
                Model = "claude-haiku-4-5",
                MaxTokens = 256,
                Messages = [new UserMessageParam { Content = r.Prompt }],
            },
        }).ToList(),
    };

    private AnthropicClient ClientWithKey(string apiKey) => new(new ClientOptions
    {
        ApiKey = apiKey,
        BaseUrl = "http://emulator.test",
        MaxRetries = 0,
        ResponseValidation = true, // the client checks every response body against its own model of the API
        HttpClient = new HttpClient(new Recorder(_sent) { InnerHandler = _harness.Emulator }, disposeHandler: false),
    });

    /// <summary>Keeps each request the client sent, so a test can see what the SDK put on the wire.</summary>
    private sealed class Recorder(List<HttpRequestMessage> sent) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (sent)
            {
                sent.Add(request);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
