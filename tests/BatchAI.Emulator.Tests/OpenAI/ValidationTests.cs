using System.Text.Json;
using BatchAI.Emulator.Tests.Support;

namespace BatchAI.Emulator.Tests.OpenAI;

/// <summary>What OpenAI rejects, at the HTTP call or while validating, and how it says so.</summary>
public sealed class ValidationTests : IDisposable
{
    private readonly EmulatorHarness _harness = new();

    public static TheoryData<string, string, int?> InvalidFiles => new()
    {
        { "{\"custom_id\":\"a\" broken", "invalid_json_line", 1 },
        { EmulatorHarness.ChatLine("a", "x") + "\n" + EmulatorHarness.ChatLine("a", "y"), "duplicate_custom_id", 2 },
        { EmulatorHarness.ChatLine("a", "x").Replace("/v1/chat/completions", "/v1/embeddings", StringComparison.Ordinal), "url_mismatch", 1 },
        { "{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}", "invalid_request", 1 },
        { "\n\n", "empty_file", null },
    };

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public async Task AnInvalidInputFileFailsTheBatchWithErrorsData(string content, string code, int? line)
    {
        var file = await _harness.UploadAsync(content);
        var created = await _harness.CreateBatchAsync(file.GetProperty("id").GetString()!);
        _harness.Clock.Advance(TimeSpan.FromSeconds(2));

        var failed = await _harness.GetJsonAsync("batches/" + created.GetProperty("id").GetString());

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, failed.GetProperty("failed_at").ValueKind);
        var errors = failed.GetProperty("errors");
        Assert.Equal("list", errors.GetProperty("object").GetString());
        var error = errors.GetProperty("data")[0];
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(line, error.GetProperty("line").ValueKind == JsonValueKind.Null ? null : error.GetProperty("line").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("""{"endpoint":"/v1/chat/completions","completion_window":"24h"}""", "input_file_id")]
    [InlineData("""{"input_file_id":"file-x","endpoint":"/v1/nothing","completion_window":"24h"}""", "endpoint")]
    [InlineData("""{"input_file_id":"file-x","endpoint":"/v1/chat/completions","completion_window":"48h"}""", "completion_window")]
    [InlineData("""{"input_file_id":"file-missing","endpoint":"/v1/chat/completions","completion_window":"24h"}""", "input_file_id")]
    public async Task CreateRejectsBadParametersNamingTheParameter(string body, string param)
    {
        using var response = await _harness.SendCreateBatchAsync(body);

        var error = await EmulatorHarness.ReadErrorAsync(response, 400);

        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task MetadataIsLimitedAsOpenAILimitsIt()
    {
        var file = await _harness.UploadAsync(EmulatorHarness.ChatLine("a", "x"));
        var tooMany = "{" + string.Join(",", Enumerable.Range(0, 17).Select(i => $"\"k{i}\":\"v\"")) + "}";

        using var response = await _harness.SendCreateBatchAsync($$"""{"input_file_id":"{{file.GetProperty("id").GetString()}}","endpoint":"/v1/chat/completions","completion_window":"24h","metadata":{{tooMany}}}""");

        Assert.Equal("metadata", (await EmulatorHarness.ReadErrorAsync(response, 400)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task BatchFilesMustBeJsonl()
    {
        using var response = await _harness.SendUploadAsync(EmulatorHarness.ChatLine("a", "x"), filename: "input.csv");

        Assert.Contains("Must be .jsonl", (await EmulatorHarness.ReadErrorAsync(response, 400)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPurposeIsRejected()
    {
        using var response = await _harness.SendUploadAsync("x", purpose: "anything");

        Assert.Equal("purpose", (await EmulatorHarness.ReadErrorAsync(response, 400)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task RequestsWithoutAKeyAreRefused()
    {
        _harness.Http.DefaultRequestHeaders.Authorization = null;

        using var response = await _harness.Http.GetAsync("batches");

        Assert.Contains("didn't provide an API key", (await EmulatorHarness.ReadErrorAsync(response, 401)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("batches/batch_nope", "No batch found")]
    [InlineData("files/file-nope", "No such File object")]
    [InlineData("nothing/here", "Invalid URL (GET /v1/nothing/here)")]
    public async Task UnknownThingsAre404WithOpenAIsWording(string path, string message)
    {
        using var response = await _harness.Http.GetAsync(path);

        Assert.Contains(message, (await EmulatorHarness.ReadErrorAsync(response, 404)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryResponseSaysItIsEmulated()
    {
        using var ok = await _harness.Http.GetAsync("batches");
        using var notFound = await _harness.Http.GetAsync("batches/batch_nope");

        Assert.Equal("1", ok.Headers.GetValues("X-BatchAI-Emulator").Single());
        Assert.Equal("1", notFound.Headers.GetValues("X-BatchAI-Emulator").Single());
    }

    public void Dispose() => _harness.Dispose();
}
