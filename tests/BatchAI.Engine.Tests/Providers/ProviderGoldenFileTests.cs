using System.Text;
using System.Text.Json;
using BatchAI.Engine.Tests.Support;
using BatchAI.Providers;
using BatchAI.Providers.Anthropic;
using BatchAI.Providers.Gemini;
using BatchAI.Providers.Http;
using BatchAI.Providers.OpenAI;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>
/// Golden files: each provider's request lines for the same two requests are pinned byte for byte
/// (Fixtures/providers/*-request.jsonl; regenerate with BATCHAI_UPDATE_GOLDEN=1 and review the diff), and result
/// lines and batch objects copied from the providers' documentation decode to the neutral values.
/// </summary>
public sealed class ProviderGoldenFileTests
{
    private const string Schema = """{"type":"object","properties":{"sentiment":{"type":"string","enum":["positive","negative","mixed"]},"reason":{"type":["string","null"]},"tags":{"type":"array","items":{"$ref":"#/$defs/tag"}}},"required":["sentiment","reason","tags"],"additionalProperties":false,"$defs":{"tag":{"type":"string","description":"one word"}}}""";

    public static TheoryData<string> Encodings => ["openai", "anthropic", "gemini", "azure-openai-dated"];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void RequestLinesMatchTheirGoldenFile(string name)
    {
        var provider = Provider(name);
        var record = new SourceRecord(1, new ColumnSet(["text"]), ["great product, slow delivery"]);
        var requests = new[]
        {
            new BatchRequest("row-000041", record, "Hello, world", "model-a", systemPrompt: "Be brief.", maxOutputTokens: 1024, temperature: 0.2),
            new BatchRequest("row-000042", record, "Classify the sentiment of: 'great product, slow delivery'", "model-a", schema: ResponseSchema.Parse(Schema)),
        };

        var lines = new StringBuilder();
        foreach (var request in requests)
        {
            var line = new BatchAI.IO.JsonLine();
            provider.WriteRequestLine(line, request);
            lines.Append(line).Append('\n');
        }

        var golden = Fixture.Path($"providers/{name}-request.jsonl");
        if (Environment.GetEnvironmentVariable("BATCHAI_UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Fixtures", "providers", $"{name}-request.jsonl");
            File.WriteAllText(source, lines.ToString());
        }

        Assert.Equal(File.ReadAllText(golden), lines.ToString());
    }

    [Fact]
    public void AnthropicLinesFollowTheDocumentedShape()
    {
        using var line = JsonDocument.Parse(File.ReadLines(Fixture.Path("providers/anthropic-request.jsonl")).Last());
        var parameters = line.RootElement.GetProperty("params");
        Assert.Equal("row-000042", line.RootElement.GetProperty("custom_id").GetString());
        Assert.Equal(AnthropicProvider.DefaultMaxTokens, parameters.GetProperty("max_tokens").GetInt32());
        Assert.Equal("json_schema", parameters.GetProperty("output_config").GetProperty("format").GetProperty("type").GetString());
        Assert.Equal("user", parameters.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public void GeminiLinesAreKeyedAndCarryAGeminiResponseSchema()
    {
        using var line = JsonDocument.Parse(File.ReadLines(Fixture.Path("providers/gemini-request.jsonl")).Last());
        Assert.Equal("row-000042", line.RootElement.GetProperty("key").GetString());
        var config = line.RootElement.GetProperty("request").GetProperty("generationConfig");
        Assert.Equal("application/json", config.GetProperty("responseMimeType").GetString());
        var schema = config.GetProperty("responseSchema");
        Assert.Equal("OBJECT", schema.GetProperty("type").GetString());
        Assert.False(schema.TryGetProperty("additionalProperties", out _));
        Assert.False(schema.TryGetProperty("$defs", out _));
        Assert.True(schema.GetProperty("properties").GetProperty("reason").GetProperty("nullable").GetBoolean());
        Assert.Equal("one word", schema.GetProperty("properties").GetProperty("tags").GetProperty("items").GetProperty("description").GetString());
        Assert.Equal(["sentiment", "reason", "tags"], schema.GetProperty("propertyOrdering").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void AnthropicResultLinesFromTheDocsDecodeToNeutralResults()
    {
        var lines = File.ReadLines(Fixture.Path("providers/anthropic-results.jsonl")).Select(l => AnthropicResultParser.Parse(Encoding.UTF8.GetBytes(l), "msgbatch_1")).ToList();

        Assert.Equal(["my-second-request", "my-first-request", "23", "q3", "q4", "cached", "busy"], lines.Select(l => l.CustomId));
        Assert.Equal((ResultStatus.Succeeded, 11, 36), (lines[0].Status, lines[0].InputTokens, lines[0].OutputTokens));
        Assert.StartsWith("Hello again!", lines[0].Text, StringComparison.Ordinal);
        Assert.Equal(("end_turn", "claude-sonnet-4-5-20250929"), (lines[0].Details["finish_reason"], lines[0].Details["model"]));
        Assert.Equal((ResultStatus.Failed, "invalid_request_error", false), (lines[2].Status, lines[2].ErrorCode, lines[2].Retryable));
        Assert.StartsWith("max_tokens: 100000 > 64000", lines[2].ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((ResultStatus.Canceled, true), (lines[3].Status, lines[3].Retryable));
        Assert.Equal((ResultStatus.Expired, true), (lines[4].Status, lines[4].Retryable));
        Assert.Equal((1005, 900, 1), (lines[5].InputTokens, lines[5].CachedInputTokens, lines[5].OutputTokens));
        Assert.Equal((ResultStatus.Failed, "overloaded_error", true), (lines[6].Status, lines[6].ErrorCode, lines[6].Retryable));
        Assert.Equal("req_011CSHoEeqs5C35K2UUqR7Fy", lines[6].Details["request_id"]);
    }

    [Fact]
    public void AnthropicBatchObjectsFromTheDocsReadAsNeutralStates()
    {
        var ended = AnthropicBatch.ToRemote(Json("anthropic-batch-ended.json"));
        var canceling = AnthropicBatch.ToRemote(Json("anthropic-batch-canceling.json"));

        Assert.Equal((BatchState.Expired, 100, 97, 3), (ended.State, ended.Total, ended.Completed, ended.Failed));
        Assert.Equal("https://api.anthropic.com/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d/results", ended.ResultLocations[AnthropicBatch.ResultsUrl]);
        Assert.Equal((BatchState.Canceling, 2), (canceling.State, canceling.Total));
        Assert.Empty(canceling.ResultLocations);
    }

    [Fact]
    public void GeminiResultLinesFromTheDocsDecodeToNeutralResults()
    {
        var lines = File.ReadLines(Fixture.Path("providers/gemini-results.jsonl")).Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            return GeminiResultParser.Parse(json.RootElement, json.RootElement.GetProperty("key").GetString(), "batches/b1");
        }).ToList();

        Assert.Equal((ResultStatus.Succeeded, "hello", 7, 2), (lines[0].Status, lines[0].Text, lines[0].InputTokens, lines[0].OutputTokens));
        Assert.Equal(("STOP", "gemini-2.5-flash"), (lines[0].Details["finish_reason"], lines[0].Details["model"]));
        Assert.Equal((ResultStatus.Failed, "INVALID_ARGUMENT", false), (lines[1].Status, lines[1].ErrorCode, lines[1].Retryable));
        Assert.Equal(("42", 21, 4), (lines[2].Text, lines[2].OutputTokens, lines[2].CachedInputTokens));
        Assert.Equal((ResultStatus.Failed, "safety"), (lines[3].Status, lines[3].ErrorCode));
        Assert.Equal((ResultStatus.Failed, "RESOURCE_EXHAUSTED", true), (lines[4].Status, lines[4].ErrorCode, lines[4].Retryable));
    }

    [Fact]
    public void GeminiOperationsFromTheDocsReadAsNeutralStates()
    {
        var pending = GeminiBatch.ToRemote(Json("gemini-operation-pending.json"));
        var inline = GeminiBatch.ToRemote(Json("gemini-operation-inline.json"));
        var file = GeminiBatch.ToRemote(Json("gemini-operation-file.json"));
        var responses = GeminiBatch.InlineResponses(Json("gemini-operation-inline.json")).ToList();

        Assert.Equal((BatchState.Validating, 3, 0), (pending.State, pending.Total, pending.Completed));
        Assert.Equal((BatchState.Completed, 2, 1, 1), (inline.State, inline.Total, inline.Completed, inline.Failed));
        Assert.True(inline.ResultLocations.ContainsKey(GeminiProvider.InlineResponses));
        Assert.Equal(2, responses.Count);
        Assert.Equal("The capital of France is **Paris**.", GeminiResultParser.Parse(responses[0], "request-1", inline.Id).Text);
        Assert.Equal((BatchState.Completed, "files/batch-out-1"), (file.State, file.ResultLocations[GeminiProvider.ResponsesFile]));
    }

    [Fact]
    public void AzureExamplesDecodeDespiteTheirOddities()
    {
        var line = OpenAIResultParser.Parse(Encoding.UTF8.GetBytes(File.ReadLines(Fixture.Path("providers/azure-result-lines.jsonl")).Single()), "batch_1");
        var created = OpenAIBatch.Parse(Json("azure-batch-created.json")).ToRemote();

        Assert.Equal((ResultStatus.Succeeded, 27, 24), (line.Status, line.InputTokens, line.OutputTokens));
        Assert.StartsWith("Microsoft was founded", line.Text, StringComparison.Ordinal);
        Assert.Equal("660b7424-b648-4b67-addc-862ba067d442", line.Details["request_id"]);
        Assert.Equal((BatchState.Validating, "validating", 0), (created.State, created.ProviderStatus, created.Total));
        Assert.Empty(created.ResultLocations);
    }

    private static JsonElement Json(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Fixture.Path("providers/" + name)));
        return document.RootElement.Clone();
    }

    private static IBatchProvider Provider(string name)
    {
        var http = new ProviderHttp(new HttpClient(), new SecretRedactor("k"), name, "KEY");
        return name switch
        {
            "anthropic" => new AnthropicProvider(http),
            "gemini" => new GeminiProvider(http, "v1beta"),
            "azure-openai-dated" => new OpenAIProvider(new OpenAIApi(http), kind: ProviderKind.AzureOpenAI, endpoint: OpenAIProvider.AzureDatedEndpoint),
            _ => new OpenAIProvider(new OpenAIApi(http)),
        };
    }
}
