using System.Net;
using System.Text.Json;
using BatchAI.Emulator.Faults;
using BatchAI.Emulator.Tests.Support;

namespace BatchAI.Emulator.Tests.Faults;

/// <summary>
/// The emulator's injected faults: API calls answered 429/500/503 or dropped in each provider's own shape, requests
/// inside batches errored (retryable or for good) or left unprocessed by an expiry, and the same faults for the same
/// seed.
/// </summary>
public sealed class FaultInjectionTests
{
    private static readonly (string, string)[] AnthropicHeaders = [("x-api-key", "k"), ("anthropic-version", "2023-06-01")];
    private static readonly (string, string)[] GeminiHeaders = [("x-goog-api-key", "k")];

    [Theory]
    [InlineData("/v1/files", "openai")]
    [InlineData("/openai/v1/files", "azure")]
    [InlineData("/v1/messages/batches", "anthropic")]
    [InlineData("/v1beta/batches", "gemini")]
    public async Task EveryCallMeetsAFaultInItsProvidersShapeWhenTheRateIsOne(string path, string provider)
    {
        using var harness = new EmulatorHarness(o => { o.FaultRate = 1; o.Seed = 7; });
        var seen = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            try
            {
                var (status, body, retryAfter) = await harness.CallAsync(HttpMethod.Get, path, null, provider switch { "anthropic" => AnthropicHeaders, "gemini" => GeminiHeaders, _ => [] });
                seen.Add(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
                var error = body.GetProperty("error");
                switch (provider)
                {
                    case "openai":
                        Assert.Equal(status == (HttpStatusCode)429 ? "rate_limit_exceeded" : null, error.GetProperty("code").GetString());
                        Assert.Equal(status == (HttpStatusCode)429 ? "requests" : "server_error", error.GetProperty("type").GetString());
                        break;
                    case "azure":
                        Assert.Equal(status == (HttpStatusCode)429 ? "429" : status == HttpStatusCode.InternalServerError ? "InternalServerError" : "ServiceUnavailable", error.GetProperty("code").GetString());
                        break;
                    case "anthropic":
                        Assert.Equal("error", body.GetProperty("type").GetString());
                        Assert.Equal(status switch { (HttpStatusCode)429 => "rate_limit_error", HttpStatusCode.InternalServerError => "api_error", _ => "overloaded_error" }, error.GetProperty("type").GetString());
                        break;
                    default:
                        Assert.Equal((int)status, error.GetProperty("code").GetInt32());
                        Assert.Equal(status switch { (HttpStatusCode)429 => "RESOURCE_EXHAUSTED", HttpStatusCode.InternalServerError => "INTERNAL", _ => "UNAVAILABLE" }, error.GetProperty("status").GetString());
                        break;
                }

                Assert.Equal(status == (HttpStatusCode)429 ? "1" : null, retryAfter);
            }
            catch (EmulatedConnectionDropException ex)
            {
                seen.Add("dropped");
                Assert.IsType<IOException>(ex.InnerException);
            }
        }

        var unavailable = provider == "anthropic" ? "529" : "503";
        Assert.Equal(new[] { "429", "500", unavailable, "dropped" }.Order(), seen.Order());
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameFaultsAndAFaultedCallHasNoEffect()
    {
        async Task<List<string>> RunAsync()
        {
            using var harness = new EmulatorHarness(o => { o.FaultRate = 0.5; o.Seed = 42; });
            var outcomes = new List<string>();
            for (var i = 0; i < 40; i++)
            {
                try
                {
                    using var response = await harness.SendUploadAsync(EmulatorHarness.ChatLine("a", "x") + "\n");
                    outcomes.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (HttpRequestException)
                {
                    outcomes.Add("dropped");
                }
            }

            harness.Options.FaultRate = 0;
            var listed = await harness.GetJsonAsync("files");
            Assert.Equal(outcomes.Count(o => o == "200"), listed.GetProperty("data").GetArrayLength()); // faulted uploads stored nothing
            return outcomes;
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first, second);
        Assert.InRange(first.Count(o => o == "200"), 10, 30);
    }

    [Fact]
    public async Task AnOpenAIBatchWithErrorsAndExpiryEndsExpiredWithEveryRequestAccountedFor()
    {
        using var harness = new EmulatorHarness(o => { o.ErrorRate = 0.2; o.ExpireRate = 0.2; o.Seed = 3; });
        var lines = Enumerable.Range(1, 500).Select(i => EmulatorHarness.ChatLine("r" + i, "prompt " + i)).ToArray();
        var batch = await harness.SubmitAsync(lines);
        harness.Clock.Advance(TimeSpan.FromSeconds(11));
        var ended = await harness.GetJsonAsync("batches/" + batch.GetProperty("id").GetString());

        Assert.Equal("expired", ended.GetProperty("status").GetString());
        var output = await harness.DownloadLinesAsync(ended.GetProperty("output_file_id").GetString()!);
        var errors = await harness.DownloadLinesAsync(ended.GetProperty("error_file_id").GetString()!);
        Assert.Equal(500, output.Concat(errors).Select(l => l.GetProperty("custom_id").GetString()).Distinct().Count());
        var expired = errors.Count(l => l.GetProperty("error").ValueKind == JsonValueKind.Object && l.GetProperty("error").GetProperty("code").GetString() == "batch_expired");
        var serverErrors = errors.Count(l => l.GetProperty("response").ValueKind == JsonValueKind.Object && l.GetProperty("response").GetProperty("status_code").GetInt32() == 500);
        var invalid = errors.Count(l => l.GetProperty("response").ValueKind == JsonValueKind.Object && l.GetProperty("response").GetProperty("status_code").GetInt32() == 400);
        Assert.InRange(expired, 70, 130);      // 20% of 500
        Assert.InRange(serverErrors, 40, 100); // 15% of the 80% that ran
        Assert.InRange(invalid, 10, 40);       // 5% of the 80% that ran
        Assert.Equal(expired + serverErrors + invalid, errors.Count);
    }

    [Fact]
    public async Task PermanentErrorsFollowACustomIdIntoTheNextBatchWhileRetryableOnesAreDrawnAgain()
    {
        using var harness = new EmulatorHarness(o => { o.ErrorRate = 0.3; o.Seed = 11; });
        var lines = Enumerable.Range(1, 300).Select(i => EmulatorHarness.ChatLine("r" + i, "prompt " + i)).ToArray();

        async Task<(HashSet<string> Invalid, HashSet<string> Retryable)> RunAsync()
        {
            var batch = await harness.SubmitAsync(lines);
            harness.Clock.Advance(TimeSpan.FromSeconds(11));
            var ended = await harness.GetJsonAsync("batches/" + batch.GetProperty("id").GetString());
            Assert.Equal("completed", ended.GetProperty("status").GetString());
            var errors = await harness.DownloadLinesAsync(ended.GetProperty("error_file_id").GetString()!);
            HashSet<string> With(int code) => errors.Where(l => l.GetProperty("response").GetProperty("status_code").GetInt32() == code).Select(l => l.GetProperty("custom_id").GetString()!).ToHashSet();
            return (With(400), With(500));
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.NotEmpty(first.Invalid);
        Assert.Equal(first.Invalid, second.Invalid);
        Assert.NotEmpty(first.Retryable);
        Assert.NotEqual(first.Retryable, second.Retryable);
    }

    [Fact]
    public async Task AnAnthropicBatchReportsInjectedFaultsAsErroredAndExpiredResults()
    {
        using var harness = new EmulatorHarness(o => { o.ErrorRate = 0.2; o.ExpireRate = 0.2; o.Seed = 5; });
        var requests = string.Join(",", Enumerable.Range(1, 300).Select(i => $$$"""{"custom_id":"r{{{i}}}","params":{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"Hi {{{i}}}"}]}}"""));
        var (_, created, _) = await harness.CallAsync(HttpMethod.Post, "/v1/messages/batches", "{\"requests\":[" + requests + "]}", AnthropicHeaders);
        harness.Clock.Advance(TimeSpan.FromSeconds(11));
        var (_, ended, _) = await harness.CallAsync(HttpMethod.Get, "/v1/messages/batches/" + created.GetProperty("id").GetString(), null, AnthropicHeaders);
        var results = await GetLinesAsync(harness, ended.GetProperty("results_url").GetString()!, AnthropicHeaders);

        var counts = ended.GetProperty("request_counts");
        Assert.Equal("ended", ended.GetProperty("processing_status").GetString());
        Assert.Equal(300, results.Count);
        Assert.InRange(counts.GetProperty("expired").GetInt32(), 35, 85);
        Assert.InRange(counts.GetProperty("errored").GetInt32(), 25, 75);
        var errorTypes = results.Where(r => r.GetProperty("result").GetProperty("type").GetString() == "errored")
            .Select(r => r.GetProperty("result").GetProperty("error").GetProperty("error").GetProperty("type").GetString()).ToHashSet();
        Assert.Equal(new[] { "api_error", "invalid_request_error" }.Order(), errorTypes.Order());
    }

    [Fact]
    public async Task GeminiExpiresWholeBatchesWithNothingReturnedAndErrorsSingleRequestsWithStatusCodes()
    {
        using var harness = new EmulatorHarness(o => { o.ErrorRate = 0.3; o.ExpireRate = 0.5; o.Seed = 9; });
        var inline = string.Join(",", Enumerable.Range(1, 100).Select(i => $$$"""{"request":{"contents":[{"parts":[{"text":"Hi {{{i}}}"}]}]},"metadata":{"key":"k{{{i}}}"}}"""));
        var names = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var (_, created, _) = await harness.CallAsync(HttpMethod.Post, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", "{\"batch\":{\"displayName\":\"d\",\"inputConfig\":{\"requests\":{\"requests\":[" + inline + "]}}}}", GeminiHeaders);
            names.Add(created.GetProperty("name").GetString()!);
        }

        harness.Clock.Advance(TimeSpan.FromSeconds(11));
        var states = new List<string>();
        foreach (var name in names)
        {
            var (_, operation, _) = await harness.CallAsync(HttpMethod.Get, "/v1beta/" + name, null, GeminiHeaders);
            var state = operation.GetProperty("metadata").GetProperty("state").GetString()!;
            states.Add(state);
            if (state == "BATCH_STATE_EXPIRED")
            {
                Assert.False(operation.TryGetProperty("response", out _));
            }
            else
            {
                var responses = operation.GetProperty("response").GetProperty("inlinedResponses").GetProperty("inlinedResponses");
                var codes = responses.EnumerateArray().Where(r => r.TryGetProperty("error", out _)).Select(r => r.GetProperty("error").GetProperty("code").GetInt32()).ToList();
                Assert.Equal(100, responses.GetArrayLength());
                Assert.InRange(codes.Count, 12, 50);
                Assert.All(codes, c => Assert.Contains(c, new[] { 3, 13 }));
            }
        }

        Assert.Contains("BATCH_STATE_EXPIRED", states);
        Assert.Contains("BATCH_STATE_SUCCEEDED", states);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ARateOutsideZeroToOneIsRefused(double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProviderEmulator(new EmulatorOptions { ErrorRate = rate }));
    }

    [Fact]
    public void TheEnvironmentSetsTheFaultsAndABadValueIsAnErrorNamingTheVariable()
    {
        var variables = new Dictionary<string, string>
        {
            [EmulatorOptions.FaultRateVariable] = "0.1",
            [EmulatorOptions.ErrorRateVariable] = "0.05",
            [EmulatorOptions.ExpireRateVariable] = "0.2",
            [EmulatorOptions.SeedVariable] = "17",
            [EmulatorOptions.RequireKeyVariable] = "sk-only-this",
        };

        var options = EmulatorOptions.FromEnvironment(n => variables.GetValueOrDefault(n));
        variables[EmulatorOptions.ErrorRateVariable] = "lots";
        var error = Assert.Throws<ArgumentException>(() => EmulatorOptions.FromEnvironment(n => variables.GetValueOrDefault(n)));

        Assert.Equal((0.1, 0.05, 0.2, 17, "sk-only-this"), (options.FaultRate, options.ErrorRate, options.ExpireRate, options.Seed, options.RequiredApiKey));
        Assert.Contains(EmulatorOptions.ErrorRateVariable, error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> GetLinesAsync(EmulatorHarness harness, string url, (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var invoker = new HttpMessageInvoker(harness.Emulator, disposeHandler: false);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        var text = await response.Content.ReadAsStringAsync();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
