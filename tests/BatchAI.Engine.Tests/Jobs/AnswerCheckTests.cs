using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// Answers of requests with a schema are checked with a real JSON Schema validator as they are downloaded: not JSON,
/// or not following the schema, is a failure with the reason, the text kept for review, retried once.
/// </summary>
public sealed class AnswerCheckTests : IDisposable
{
    private const string LabelSchema = """{"type":"object","properties":{"label":{"type":"string","enum":["billing","bug","other"]},"urgent":{"type":"boolean"}},"required":["label","urgent"],"additionalProperties":false}""";
    private readonly TempDirectory _dir = new();
    private readonly AnswerCheck _check;

    public AnswerCheckTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "schemas"));
        File.WriteAllText(Path.Combine(_dir.Path, "schemas", "s.json"), LabelSchema);
        _check = new AnswerCheck(new JobLedger(_dir.Path));
    }

    private static ResultLine Answer(string text, string finish = "stop") =>
        new() { CustomId = "r", Status = ResultStatus.Succeeded, Text = text, OutputTokens = 9, BatchId = "b", Details = new Dictionary<string, string> { ["finish_reason"] = finish } };

    [Fact]
    public void AnAnswerThatFollowsTheSchemaPassesUnchanged()
    {
        var line = Answer("""{"label":"bug","urgent":true}""");

        Assert.Same(line, _check.Check(line, "s", failedBefore: false));
    }

    [Fact]
    public void AnAnswerCutOffAtTheTokenLimitIsNotJsonAndSaysWhy()
    {
        var checkedLine = _check.Check(Answer("""{"label":"bu""", "length"), "s", failedBefore: false);

        Assert.Equal((ResultStatus.Failed, AnswerCheck.NotJson, true), (checkedLine.Status, checkedLine.ErrorCode, checkedLine.Retryable));
        Assert.Contains("cut off at the output token limit", checkedLine.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("""{"label":"bu""", checkedLine.Text); // kept for review
        Assert.Equal(9, checkedLine.OutputTokens);            // and still paid for
    }

    [Fact]
    public void AnAnswerThatBreaksTheSchemaNamesEachPlaceItBreaksIt()
    {
        var checkedLine = _check.Check(Answer("""{"label":"feature","extra":1}"""), "s", failedBefore: false);

        Assert.Equal((ResultStatus.Failed, AnswerCheck.SchemaMismatch, true), (checkedLine.Status, checkedLine.ErrorCode, checkedLine.Retryable));
        Assert.Contains("/label", checkedLine.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("urgent", checkedLine.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("/extra", checkedLine.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondFailedCheckIsFinal()
    {
        var checkedLine = _check.Check(Answer("""{"label":7,"urgent":false}"""), "s", failedBefore: true);

        Assert.Equal((ResultStatus.Failed, false), (checkedLine.Status, checkedLine.Retryable));
        Assert.Contains("failed the check before", checkedLine.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherOutcomesAndRequestsWithoutASchemaAreLeftAlone()
    {
        var expired = new ResultLine { CustomId = "r", Status = ResultStatus.Expired, Retryable = true };
        var text = Answer("not json at all");

        Assert.Same(expired, _check.Check(expired, "s", failedBefore: false));
        Assert.Same(text, _check.Check(text, null, failedBefore: false));
    }

    [Fact]
    public async Task CutOffAnswersAreRetriedOnceThroughAJobAndThenStayFailedWithTheirReason()
    {
        using var harness = new EngineHarness();
        var schema = ResponseSchema.Parse(LabelSchema);
        var requests = Enumerable.Range(1, 4).Select(i => new BatchRequest("r" + i, new SourceRecord(i, new ColumnSet(["n"]), [(long)i]), "Label " + i, "gpt-4o-mini", maxOutputTokens: 2, schema: schema));

        var job = await harness.SubmitAsync(requests);
        await harness.WaitAsync(job.Id);
        var first = await harness.Service.ResubmitAsync(job.Id, null, null, harness.Reporter, CancellationToken.None);
        await harness.WaitAsync(job.Id);
        var second = await harness.Service.ResubmitAsync(job.Id, null, null, harness.Reporter, CancellationToken.None);
        var (summary, results) = await harness.ReceiveAsync(job.Id);

        Assert.Equal(4, first.Before.Retryable);
        Assert.Equal(4, first.Resubmitted);
        Assert.Equal(0, second.Resubmitted);
        Assert.Equal(4, summary.Failed);
        Assert.All(results, r =>
        {
            Assert.Equal((AnswerCheck.NotJson, false), (r.ErrorCode, r.Retryable));
            Assert.Contains("failed the check before", r.ErrorMessage, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(r.Output));
            Assert.Null(r.Json);
        });
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"strng"}}}""", "strng")]
    [InlineData("""{"type":"object","required":"a"}""", "required")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","minLength":-1}}}""", "minLength")]
    public void ASchemaTheValidatorCannotReadIsRefusedBeforeAnythingIsSent(string json, string named)
    {
        var error = Assert.Throws<BatchAIException>(() => ResponseSchema.Parse(json, source: "triage.schema.json"));

        Assert.Equal("SchemaInvalid", error.ErrorId);
        Assert.Contains("triage.schema.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
