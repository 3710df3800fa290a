using System.Net;
using BatchAI.Engine.Tests.Support;
using BatchAI.Providers.Http;

namespace BatchAI.Engine.Tests.Providers;

public class HttpPipelineTests
{
    private const string Key = "sk-proj-SECRETsecretSECRET1234";
    private readonly VirtualClock _clock = new();
    private readonly RecordingReporter _reporter = new();

    private HttpPipeline Pipeline(ScriptedHandler handler, HttpSettings? settings = null, string baseUrl = "https://api.example.test/v1/") =>
        HttpPipeline.Create(
            new Uri(baseUrl),
            r => r.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key),
            new SecretRedactor(Key),
            settings ?? new HttpSettings(),
            _clock,
            _reporter,
            handler,
            random: () => 0.5);

    [Fact]
    public async Task A429IsRetriedAfterExactlyTheRetryAfterDelay()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Status((HttpStatusCode)429, headers: ("Retry-After", "3")), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([TimeSpan.FromSeconds(3)], _clock.Delays);
        Assert.Equal(2, handler.Sent.Count);
    }

    [Theory]
    [InlineData("retry-after-ms", "1500", 1500)]
    [InlineData("Retry-After", "0.25", 250)]
    public async Task MillisecondAndFractionalRetryAfterAreHonoured(string header, string value, int expectedMs)
    {
        var handler = new ScriptedHandler(ScriptedHandler.Status((HttpStatusCode)429, headers: (header, value)), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal([TimeSpan.FromMilliseconds(expectedMs)], _clock.Delays);
    }

    [Fact]
    public async Task ARetryAfterDateIsHonoured()
    {
        var at = _clock.UtcNow.AddSeconds(42).ToString("R");
        var handler = new ScriptedHandler(ScriptedHandler.Status(HttpStatusCode.ServiceUnavailable, headers: ("Retry-After", at)), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal([TimeSpan.FromSeconds(42)], _clock.Delays);
    }

    [Fact]
    public async Task ServerErrorsBackOffExponentiallyWithJitter()
    {
        var handler = new ScriptedHandler(
            ScriptedHandler.Status(HttpStatusCode.InternalServerError),
            ScriptedHandler.Status(HttpStatusCode.BadGateway),
            ScriptedHandler.Status(HttpStatusCode.ServiceUnavailable),
            ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        // Equal jitter with random() = 0.5: three quarters of 1 s, 2 s, 4 s.
        Assert.Equal([TimeSpan.FromMilliseconds(750), TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(3000)], _clock.Delays);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BackoffIsCappedAtTheMaximumDelay()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Status(HttpStatusCode.ServiceUnavailable));
        using var pipeline = Pipeline(handler, new HttpSettings { MaxRetries = 8, MaxDelay = TimeSpan.FromSeconds(10) });

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(9, handler.Sent.Count);
        Assert.All(_clock.Delays, d => Assert.True(d <= TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(7.5), _clock.Delays[^1]);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task ClientErrorsAreNotRetried(HttpStatusCode status)
    {
        var handler = new ScriptedHandler(ScriptedHandler.Status(status), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal(status, response.StatusCode);
        Assert.Single(handler.Sent);
    }

    [Fact]
    public async Task XShouldRetryFalseStopsRetrying()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Status(HttpStatusCode.InternalServerError, headers: ("x-should-retry", "false")), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single(handler.Sent);
    }

    [Fact]
    public async Task ALongRetryAfterIsReturnedRatherThanWaitedOut()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Status((HttpStatusCode)429, headers: ("Retry-After", "3600")), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Empty(_clock.Delays);
    }

    [Fact]
    public async Task NetworkFailuresAreRetried()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Throw(new HttpRequestException("Connection refused")), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("batches");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_clock.Delays);
    }

    [Fact]
    public async Task WhenTheNetworkStaysDownTheErrorHasNoKeyInIt()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Throw(new HttpRequestException("proxy rejected Authorization: Bearer " + Key)));
        using var pipeline = Pipeline(handler, new HttpSettings { MaxRetries = 2 });

        var error = await Assert.ThrowsAsync<BatchAIException>(() => pipeline.Client.GetAsync("batches?key=" + Key));

        Assert.Equal(("ProviderUnreachable", ErrorKind.Unavailable), (error.ErrorId, error.Kind));
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETsecret", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("HttpRequestException: proxy rejected Authorization: Bearer ***", error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException);
        Assert.Equal(3, handler.Sent.Count);
    }

    [Fact]
    public async Task EveryAttemptIsAuthenticatedAndResendsTheWholeBody()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("part.jsonl"), "line one\nline two\n");
        var handler = new ScriptedHandler(ScriptedHandler.Status(HttpStatusCode.ServiceUnavailable), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.PostAsync("files", new FileUploadContent(dir.File("part.jsonl"), "application/jsonl"));

        Assert.Equal(2, handler.Sent.Count);
        Assert.All(handler.Sent, s => Assert.Equal("Bearer " + Key, s.Authorization));
        Assert.All(handler.Sent, s => Assert.Equal("line one\nline two\n", s.Body));
    }

    [Fact]
    public async Task AnAttemptThatHangsTimesOutAndIsRetried()
    {
        var hang = new HangingHandler();
        using var pipeline = HttpPipeline.Create(new Uri("https://api.example.test/v1/"), _ => { }, new SecretRedactor(Key), new HttpSettings { MaxRetries = 1, RequestTimeout = TimeSpan.FromMilliseconds(50) }, _clock, _reporter, hang);

        var error = await Assert.ThrowsAsync<BatchAIException>(() => pipeline.Client.GetAsync("batches"));

        Assert.Equal("ProviderTimeout", error.ErrorId);
        Assert.Equal(2, hang.Calls);
    }

    [Fact]
    public async Task VerboseOutputNamesEachCallWithoutSecrets()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Status((HttpStatusCode)429, headers: ("Retry-After", "1")), ScriptedHandler.Status(HttpStatusCode.OK));
        using var pipeline = Pipeline(handler);

        using var response = await pipeline.Client.GetAsync("files?api_key=" + Key);

        Assert.Contains(_reporter.VerboseMessages, m => m.StartsWith("GET https://api.example.test/v1/files?api_key=*** -> 200 OK", StringComparison.Ordinal));
        Assert.Contains(_reporter.VerboseMessages, m => m.Contains("429 TooManyRequests, Retry-After 1 s; retry 1 of 6", StringComparison.Ordinal));
        Assert.All(_reporter.Everything, m => Assert.DoesNotContain(Key, m, StringComparison.Ordinal));
    }

    [Fact]
    public void TheRedactorMasksKeysWholeAndInPart()
    {
        var redactor = new SecretRedactor(Key, "short");

        Assert.Equal("key *** and ***1234 and ?key=*** and short", redactor.Redact($"key {Key} and {Key.Substring(0, 20)}1234 and ?key=abc and short"));
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
