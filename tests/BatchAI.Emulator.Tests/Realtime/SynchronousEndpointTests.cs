using System.Net;
using BatchAI.Emulator.Tests.Support;

namespace BatchAI.Emulator.Tests.Realtime;

/// <summary>The synchronous endpoints the real-time lane calls, and their rate limit, in each provider's shape.</summary>
public sealed class SynchronousEndpointTests
{
    private const string ChatBody = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi"}]}""";
    private const string MessagesBody = """{"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":"Say hi"}]}""";
    private const string GeminiBody = """{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]}""";

    [Fact]
    public async Task EachProviderAnswersItsOwnSynchronousCall()
    {
        using var harness = new EmulatorHarness();

        var (chatStatus, chat, _) = await harness.CallAsync(HttpMethod.Post, "/v1/chat/completions", ChatBody);
        var (messageStatus, message, _) = await harness.CallAsync(HttpMethod.Post, "/v1/messages", MessagesBody, ("x-api-key", "k"), ("anthropic-version", "2023-06-01"));
        var (geminiStatus, gemini, _) = await harness.CallAsync(HttpMethod.Post, "/v1beta/models/gemini-2.5-flash:generateContent", GeminiBody, ("x-goog-api-key", "k"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (chatStatus, messageStatus, geminiStatus));
        Assert.Equal("chat.completion", chat.GetProperty("object").GetString());
        Assert.StartsWith("[emulated]", chat.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.True(chat.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.Equal(("message", "standard"), (message.GetProperty("type").GetString(), message.GetProperty("usage").GetProperty("service_tier").GetString()));
        Assert.StartsWith("[emulated]", gemini.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadSynchronousCallIsRefusedAsTheProviderWould()
    {
        using var harness = new EmulatorHarness();

        var (status, body, _) = await harness.CallAsync(HttpMethod.Post, "/v1/chat/completions", """{"model":"gpt-4o-mini","messages":[]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("/v1/chat/completions", "type", "invalid_request_error")]
    [InlineData("/v1/responses/input_tokens", "type", "invalid_request_error")]
    [InlineData("/v1/messages", "type", "invalid_request_error")]
    [InlineData("/v1/messages/count_tokens", "type", "invalid_request_error")]
    [InlineData("/v1beta/models/gemini-2.5-flash:generateContent", "status", "INVALID_ARGUMENT")]
    [InlineData("/v1beta/models/gemini-2.5-flash:countTokens", "status", "INVALID_ARGUMENT")]
    public async Task ABodyThatIsNotJsonIsRefusedInTheProvidersShape(string path, string field, string expected)
    {
        using var harness = new EmulatorHarness();

        (string, string)[] headers = path.StartsWith("/v1/messages", StringComparison.Ordinal) ? [("x-api-key", "k"), ("anthropic-version", "2023-06-01")]
            : path.StartsWith("/v1beta", StringComparison.Ordinal) ? [("x-goog-api-key", "k")]
            : [];

        var (status, body, _) = await harness.CallAsync(HttpMethod.Post, path, "{not json", headers);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(expected, body.GetProperty("error").GetProperty(field).GetString());
    }

    [Fact]
    public async Task TheRateLimitRefusesTheCallOverItWithTheWaitAndLetsItThroughAfter()
    {
        using var harness = new EmulatorHarness(o => o.RequestsPerMinute = 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await harness.CallAsync(HttpMethod.Post, "/v1/chat/completions", ChatBody)).Status);
            harness.Clock.Advance(TimeSpan.FromSeconds(10));
        }

        var (refused, error, retryAfter) = await harness.CallAsync(HttpMethod.Post, "/v1/chat/completions", ChatBody);
        var anthropic = await harness.CallAsync(HttpMethod.Post, "/v1/messages", MessagesBody, ("x-api-key", "k"), ("anthropic-version", "2023-06-01"));
        harness.Clock.Advance(TimeSpan.FromSeconds(31));
        var (after, _, _) = await harness.CallAsync(HttpMethod.Post, "/v1/chat/completions", ChatBody);
        var batchCall = await harness.Http.GetAsync("files"); // the batch API has its own, separate pool

        Assert.Equal((HttpStatusCode)429, refused);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("30", retryAfter); // the first call leaves the window 30 s later
        Assert.Equal(((HttpStatusCode)429, "rate_limit_error"), (anthropic.Status, anthropic.Body.GetProperty("error").GetProperty("type").GetString()));
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Equal(HttpStatusCode.OK, batchCall.StatusCode);
    }

}
