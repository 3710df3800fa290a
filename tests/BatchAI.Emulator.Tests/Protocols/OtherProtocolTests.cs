using System.Net;
using System.Text;
using System.Text.Json;
using BatchAI.Emulator.Tests.Support;

namespace BatchAI.Emulator.Tests.Protocols;

/// <summary>
/// The Anthropic, Gemini and Azure OpenAI front ends, spoken to raw: what the real services refuse, the emulator
/// refuses the same way, and the state machines step as documented.
/// </summary>
public sealed class OtherProtocolTests : IDisposable
{
    private readonly EmulatorHarness _harness = new();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string? json = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, "http://emulator.test" + url) { Content = json is null ? null : Json(json) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var invoker = new HttpMessageInvoker(_harness.Emulator, disposeHandler: false);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static readonly (string, string)[] Anthropic = [("x-api-key", "k"), ("anthropic-version", "2023-06-01")];
    private const string OneMessage = """{"requests":[{"custom_id":"a-1","params":{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"Hi"}]}}]}""";

    [Fact]
    public async Task AnthropicRefusesAMissingKeyOrVersionAndABadCustomIdAtOnce()
    {
        var noKey = await SendAsync(HttpMethod.Post, "/v1/messages/batches", OneMessage, ("anthropic-version", "2023-06-01"));
        var noVersion = await SendAsync(HttpMethod.Post, "/v1/messages/batches", OneMessage, ("x-api-key", "k"));
        var badId = await SendAsync(HttpMethod.Post, "/v1/messages/batches", OneMessage.Replace("a-1", "a.1", StringComparison.Ordinal), Anthropic);

        Assert.Equal((HttpStatusCode.Unauthorized, "authentication_error"), (noKey.Status, noKey.Body.GetProperty("error").GetProperty("type").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.Status);
        Assert.Contains("anthropic-version", noVersion.Body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badId.Status);
        Assert.Contains("^[a-zA-Z0-9_-]{1,64}$", badId.Body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnthropicBatchCountsOnlyProcessingUntilItEndsAndHasNoResultsBefore()
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/messages/batches", OneMessage, ("Authorization", "Bearer k"), ("anthropic-version", "2026-10-21"));
        var id = created.Body.GetProperty("id").GetString();
        var early = await SendAsync(HttpMethod.Get, $"/v1/messages/batches/{id}/results", null, Anthropic);
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));
        var ended = await SendAsync(HttpMethod.Get, $"/v1/messages/batches/{id}", null, Anthropic);

        Assert.Equal(("in_progress", 1, 0), (created.Body.GetProperty("processing_status").GetString(), created.Body.GetProperty("request_counts").GetProperty("processing").GetInt32(), created.Body.GetProperty("request_counts").GetProperty("succeeded").GetInt32()));
        Assert.Equal(JsonValueKind.Null, created.Body.GetProperty("archived_at").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, early.Status);
        Assert.Equal(("ended", 0, 1), (ended.Body.GetProperty("processing_status").GetString(), ended.Body.GetProperty("request_counts").GetProperty("processing").GetInt32(), ended.Body.GetProperty("request_counts").GetProperty("succeeded").GetInt32()));
        Assert.Equal($"http://emulator.test/v1/messages/batches/{id}/results", ended.Body.GetProperty("results_url").GetString());
    }

    private const string GeminiInline = """{"batch":{"displayName":"d","inputConfig":{"requests":{"requests":[{"request":{"contents":[{"parts":[{"text":"Hi"}]}]},"metadata":{"key":"k1"}}]}}}}""";

    [Theory]
    [InlineData("v1beta")]
    [InlineData("v1")]
    public async Task GeminiRunsOnBothApiVersionsWithStringCountsAndBothOutputPlaces(string version)
    {
        var key = ("x-goog-api-key", "k");
        var created = await SendAsync(HttpMethod.Post, $"/{version}/models/gemini-2.5-flash:batchGenerateContent", GeminiInline, key);
        var name = created.Body.GetProperty("name").GetString();
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));
        var done = await SendAsync(HttpMethod.Get, $"/{version}/{name}", null, key);

        Assert.Equal("BATCH_STATE_PENDING", created.Body.GetProperty("metadata").GetProperty("state").GetString());
        Assert.Equal("1", created.Body.GetProperty("metadata").GetProperty("batchStats").GetProperty("requestCount").GetString());
        Assert.False(created.Body.TryGetProperty("done", out _));
        Assert.Equal("BATCH_STATE_SUCCEEDED", done.Body.GetProperty("metadata").GetProperty("state").GetString());
        Assert.True(done.Body.GetProperty("done").GetBoolean());
        Assert.Equal("1", done.Body.GetProperty("metadata").GetProperty("batchStats").GetProperty("successfulRequestCount").GetString());
        Assert.False(done.Body.GetProperty("metadata").GetProperty("batchStats").TryGetProperty("failedRequestCount", out _));
        Assert.Equal("k1", done.Body.GetProperty("metadata").GetProperty("output").GetProperty("inlinedResponses").GetProperty("inlinedResponses")[0].GetProperty("metadata").GetProperty("key").GetString());
        Assert.Equal("k1", done.Body.GetProperty("response").GetProperty("inlinedResponses").GetProperty("inlinedResponses")[0].GetProperty("metadata").GetProperty("key").GetString());
    }

    [Fact]
    public async Task GeminiRefusesCallersWithoutAKeyAndUnknownVersions()
    {
        var noKey = await SendAsync(HttpMethod.Get, "/v1beta/batches");
        var wrongVersion = await SendAsync(HttpMethod.Get, "/v2/batches", null, ("x-goog-api-key", "k"));
        var queryKey = await SendAsync(HttpMethod.Get, "/v1beta/batches?key=k");
        var badToken = await SendAsync(HttpMethod.Get, "/v1beta/batches?pageToken=%%%", null, ("x-goog-api-key", "k"));

        Assert.Equal((HttpStatusCode.Forbidden, "PERMISSION_DENIED"), (noKey.Status, noKey.Body.GetProperty("error").GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, wrongVersion.Status);
        Assert.Equal(HttpStatusCode.OK, queryKey.Status);
        Assert.Equal((HttpStatusCode.BadRequest, "INVALID_ARGUMENT"), (badToken.Status, badToken.Body.GetProperty("error").GetProperty("status").GetString()));
    }

    [Fact]
    public async Task AzureNeedsAnApiVersionWithBatchesOnItsDatedRoutesButNotOnV1()
    {
        var missing = await SendAsync(HttpMethod.Get, "/openai/batches", null, ("api-key", "k"));
        var tooOld = await SendAsync(HttpMethod.Get, "/openai/batches?api-version=2024-02-01", null, ("api-key", "k"));
        var dated = await SendAsync(HttpMethod.Get, "/openai/batches?api-version=2024-10-21", null, ("api-key", "k"));
        var v1 = await SendAsync(HttpMethod.Get, "/openai/v1/batches", null, ("api-key", "k"));
        var noKey = await SendAsync(HttpMethod.Get, "/openai/v1/batches");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.OK, HttpStatusCode.OK), (missing.Status, tooOld.Status, dated.Status, v1.Status));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.Status);
    }

    [Fact]
    public async Task AnAzureFileNamingTwoDeploymentsFailsWithModelMismatch()
    {
        var boundary = "b" + Guid.NewGuid().ToString("N");
        var jsonl = EmulatorHarness.ChatLine("a", "x", "dep-one") + "\n" + EmulatorHarness.ChatLine("b", "y", "dep-two") + "\n";
        using var form = new MultipartFormDataContent(boundary) { { new StringContent("batch"), "purpose" }, { new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl)), "file", "in.jsonl" } };
        using var invoker = new HttpMessageInvoker(_harness.Emulator, disposeHandler: false);
        using var upload = new HttpRequestMessage(HttpMethod.Post, "http://emulator.test/openai/v1/files") { Content = form };
        upload.Headers.Add("api-key", "k");
        using var uploaded = await invoker.SendAsync(upload, CancellationToken.None);
        var file = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement;
        var created = await SendAsync(HttpMethod.Post, "/openai/v1/batches", $$"""{"input_file_id":"{{file.GetProperty("id").GetString()}}","endpoint":"/chat/completions","completion_window":"24h"}""", ("api-key", "k"));
        _harness.Clock.Advance(TimeSpan.FromSeconds(2));
        var failed = await SendAsync(HttpMethod.Get, "/openai/v1/batches/" + created.Body.GetProperty("id").GetString(), null, ("api-key", "k"));

        Assert.Equal("pending", file.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal("failed", failed.Body.GetProperty("status").GetString());
        Assert.Equal("model_mismatch", failed.Body.GetProperty("errors").GetProperty("data")[0].GetProperty("code").GetString());
    }

    public void Dispose() => _harness.Dispose();
}
