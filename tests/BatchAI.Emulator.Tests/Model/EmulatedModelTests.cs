using System.Text.Json;
using BatchAI.Emulator.Model;

namespace BatchAI.Emulator.Tests.Model;

public class EmulatedModelTests
{
    private const string LabelSchema = """
        {"type":"object","properties":{
          "label":{"type":"string","enum":["billing","bug","feature","other"]},
          "priority":{"type":"integer","minimum":1,"maximum":5},
          "confidence":{"type":"number","minimum":0,"maximum":1},
          "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2},
          "due":{"type":["string","null"],"format":"date"},
          "owner":{"$ref":"#/$defs/person"}
        },
        "required":["label","priority","confidence","tags","due","owner"],"additionalProperties":false,
        "$defs":{"person":{"type":"object","properties":{"email":{"type":"string","format":"email"}},"required":["email"]}}}
        """;

    private static JsonElement Body(string prompt, string? extra = null) =>
        JsonDocument.Parse("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":" + JsonSerializer.Serialize(prompt) + "}]" + extra + "}").RootElement;

    private static JsonElement WithSchema(string schema) =>
        Body("Label this ticket", ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"labels\",\"strict\":true,\"schema\":" + schema + "}}");

    [Fact]
    public void WithASchemaAnswersJsonThatFollowsIt()
    {
        var answer = EmulatedModel.Answer("row-1", WithSchema(LabelSchema));
        var json = JsonDocument.Parse(answer.Content!).RootElement;

        Assert.Equal(["label", "priority", "confidence", "tags", "due", "owner"], json.EnumerateObject().Select(p => p.Name));
        Assert.Contains(json.GetProperty("label").GetString(), new[] { "billing", "bug", "feature", "other" });
        Assert.InRange(json.GetProperty("priority").GetInt32(), 1, 5);
        Assert.InRange(json.GetProperty("confidence").GetDouble(), 0, 1);
        Assert.InRange(json.GetProperty("tags").GetArrayLength(), 1, 2);
        Assert.Matches("^2026-01-[0-9]{2}$", json.GetProperty("due").GetString());
        Assert.Matches("^emulated[0-9]+@example.com$", json.GetProperty("owner").GetProperty("email").GetString());
        Assert.Equal("stop", answer.FinishReason);
    }

    [Fact]
    public void AnswersAreTheSameForTheSameRecordAndSpreadAcrossRecords()
    {
        var labels = Enumerable.Range(1, 40)
            .Select(i => JsonDocument.Parse(EmulatedModel.Answer("row-" + i, WithSchema(LabelSchema)).Content!).RootElement.GetProperty("label").GetString())
            .ToList();

        Assert.Equal(EmulatedModel.Answer("row-7", WithSchema(LabelSchema)).Content, EmulatedModel.Answer("row-7", WithSchema(LabelSchema)).Content);
        Assert.True(labels.Distinct().Count() >= 3, string.Join(",", labels));
    }

    [Fact]
    public void WithoutASchemaAnswersMarkedTextQuotingThePrompt()
    {
        var answer = EmulatedModel.Answer("row-1", Body("Summarize:\nthe call went well"));

        Assert.Equal("[emulated] Reply to: Summarize: the call went well", answer.Content);
        Assert.Equal("gpt-4o-mini", answer.Model);
    }

    [Fact]
    public void TokenCountsArePlausible()
    {
        var answer = EmulatedModel.Answer("row-1", Body(new string('a', 400)));

        Assert.Equal(3 + (4 + 3) + (4 + 100), answer.PromptTokens);
        Assert.Equal(EmulatedModel.Tokens(answer.Content!), answer.CompletionTokens);
    }

    [Fact]
    public void AnswersLongerThanMaxTokensAreCutWithFinishReasonLength()
    {
        var answer = EmulatedModel.Answer("row-1", Body(new string('a', 400), ",\"max_completion_tokens\":3"));

        Assert.Equal("length", answer.FinishReason);
        Assert.Equal(3, answer.CompletionTokens);
        Assert.Equal(12, answer.Content!.Length);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "model")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"role":"robot","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":0}""", "max_completion_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"bad name"}}}""", "response_format.json_schema.name")]
    public void RejectsWhatTheEndpointRejectsNamingTheParameter(string body, string param)
    {
        var answer = EmulatedModel.Answer("row-1", JsonDocument.Parse(body).RootElement);

        Assert.Null(answer.Content);
        Assert.Equal(param, answer.Rejection!.Param);
    }

    [Theory]
    [InlineData("ab🎉cd", 3, "ab")]
    [InlineData("ab🎉cd", 4, "ab🎉")]
    [InlineData("abc", 10, "abc")]
    public void CuttingAnAnswerNeverSplitsAnEmoji(string text, int length, string expected) =>
        Assert.Equal(expected, EmulatedModel.Cut(text, length));
}
