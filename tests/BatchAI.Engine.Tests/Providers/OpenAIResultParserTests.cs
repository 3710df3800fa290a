using System.Text;
using BatchAI.Engine.Tests.Support;
using BatchAI.Providers;
using BatchAI.Providers.OpenAI;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>Result lines in the shapes OpenAI writes them (the spec's example and captured lines; see the fixture).</summary>
public class OpenAIResultParserTests
{
    private static readonly Dictionary<string, ResultLine> Lines = File.ReadAllLines(Fixture.Path("openai-result-lines.jsonl"))
        .Select(l => OpenAIResultParser.Parse(Encoding.UTF8.GetBytes(l), "batch_1"))
        .ToDictionary(r => r.CustomId);

    [Fact]
    public void ASuccessCarriesTextTokensAndDetails()
    {
        var line = Lines["request-2"];

        Assert.Equal(ResultStatus.Succeeded, line.Status);
        Assert.Equal("2 + 2 equals 4.", line.Text);
        Assert.Equal((24, 15), (line.InputTokens, line.OutputTokens));
        Assert.Equal("stop", line.Details["finish_reason"]);
        Assert.Equal("gpt-4o-mini", line.Details["model"]);
        Assert.Equal("batch_1", line.BatchId);
        Assert.Null(line.ErrorCode);
    }

    [Fact]
    public void ARejectedRequestCarriesTheProvidersCodeAndMessage()
    {
        var line = Lines["request-5"];

        Assert.Equal(ResultStatus.Failed, line.Status);
        Assert.Equal("context_length_exceeded", line.ErrorCode);
        Assert.StartsWith("This model's maximum context length", line.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("messages", line.Details["param"]);
        Assert.Equal("400", line.Details["status_code"]);
        Assert.False(line.Retryable);
    }

    [Theory]
    [InlineData("request-3", ResultStatus.Expired, "batch_expired", true)]
    [InlineData("request-4", ResultStatus.Canceled, "batch_cancelled", true)]
    [InlineData("request-6", ResultStatus.Failed, "refusal", false)]
    [InlineData("request-7", ResultStatus.Failed, "request_timeout", true)]
    [InlineData("request-8", ResultStatus.Failed, "server_error", true)]
    public void OtherOutcomesMapToNeutralStatuses(string customId, ResultStatus status, string code, bool retryable)
    {
        var line = Lines[customId];

        Assert.Equal((status, code, retryable), (line.Status, line.ErrorCode, line.Retryable));
        Assert.False(string.IsNullOrEmpty(line.ErrorMessage));
    }

    [Fact]
    public void AGarbledLineIsAProtocolError()
    {
        var error = Assert.Throws<BatchAIException>(() => OpenAIResultParser.Parse("{not json"u8.ToArray(), "batch_9"));

        Assert.Equal(ErrorKind.Protocol, error.Kind);
        Assert.Contains("batch_9", error.Message, StringComparison.Ordinal);
    }
}
