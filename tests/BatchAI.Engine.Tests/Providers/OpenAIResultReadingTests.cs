using System.Text;
using BatchAI.Engine.Tests.Support;
using BatchAI.Providers;
using BatchAI.Providers.OpenAI;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>
/// The parser reads a line token by token; whatever the shape of the line, it must read what a document reading of
/// the same line reads (<see cref="OpenAIResultDocumentReading"/>), and refuse what that refuses.
/// </summary>
public class OpenAIResultReadingTests
{
    private const string Success = """{"id":"batch_req_1","custom_id":"r-1","response":{"status_code":200,"request_id":"req_1","body":{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Zo\u00eb said \u0022hi\u0022 \ud83d\ude00","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":26,"total_tokens":56,"prompt_tokens_details":{"cached_tokens":12,"audio_tokens":0}}}},"error":null}""";

    public static TheoryData<string> Shapes()
    {
        var shapes = new TheoryData<string>();
        foreach (var line in File.ReadAllLines(Fixture.Path("openai-result-lines.jsonl")))
        {
            shapes.Add(line);
        }

        foreach (var shape in new[]
        {
            Success,
            // Fields in another order, and white space between tokens.
            """{ "response" : { "body" : { "usage" : { "completion_tokens" : 5 , "prompt_tokens" : 4 } , "choices" : [ { "finish_reason" : "length" , "message" : { "content" : "cut" } } ] , "model" : "m" } , "status_code" : 200 } , "custom_id" : "r-2" , "id" : "x" }""",
            // Missing, null and wrongly typed fields.
            """{"custom_id":"r-3","response":{"status_code":"200","body":{"choices":[{"message":{"content":"text"}}]}}}""",
            """{"custom_id":"r-4","response":{"status_code":200,"body":{"choices":[{"message":{"content":42}}],"usage":{"prompt_tokens":1.5,"completion_tokens":3000000000,"prompt_tokens_details":[1]}}}}""",
            """{"custom_id":"r-5","response":{"status_code":200,"body":{"choices":{"0":{"message":{"content":"an object, not a list"}}}}}}""",
            """{"custom_id":"r-6","response":{"status_code":200,"body":{"choices":[]}}}""",
            """{"custom_id":"r-7","response":{"status_code":200,"body":{"choices":[[{"message":{"content":"nested"}}],{"message":{"content":"second"}}]}}}""",
            """{"custom_id":"r-8","response":{"status_code":200,"body":{"choices":[7,{"message":{"content":"second"}}]}}}""",
            """{"custom_id":"r-9","response":{"status_code":200,"body":{"choices":[{"message":null,"finish_reason":"stop"},{"message":{"content":"second"}}]}}}""",
            """{"custom_id":"r-10","response":{"status_code":200,"body":null}}""",
            """{"custom_id":"r-11","response":{"status_code":200,"body":"text"}}""",
            """{"custom_id":"r-12","response":{"body":{"choices":[{"message":{"content":"no status"}}]}}}""",
            """{"custom_id":"r-13","response":{"status_code":503,"body":{"error":"overloaded"}}}""",
            """{"custom_id":"r-14","response":{"status_code":429,"request_id":"q","body":{"error":{"type":"rate_limit","message":null,"param":7,"code":null}}}}""",
            """{"custom_id":"r-15","response":{"status_code":404}}""",
            """{"custom_id":"r-16","response":null,"error":null}""",
            """{"custom_id":"r-17","error":{"code":"request_timeout","message":"slow","extra":{"a":[1,2]}}}""",
            """{"custom_id":"r-18","response":[],"error":{"code":"batch_cancelled"}}""",
            """{"custom_id":"r-19","error":"batch_expired"}""",
            // The last of two equal names wins, as in a document.
            """{"custom_id":"first","custom_id":"r-20","response":{"status_code":200,"body":{"choices":[{"message":{"content":"a"}}]}},"response":null,"error":{"code":"batch_expired"}}""",
            """{"custom_id":"r-21","response":{"status_code":500,"status_code":200,"body":{"model":"a","model":"b","choices":[{"message":{"content":"one","content":"two"},"finish_reason":"x","finish_reason":"y"}],"usage":{"prompt_tokens":1,"prompt_tokens":2}}}}""",
            // Deep values the parser has to skip whole.
            """{"custom_id":"r-22","metadata":{"a":[{"b":[[],{}]}],"c":"}"},"response":{"status_code":200,"extra":[[[]]],"body":{"choices":[{"logprobs":{"content":[{"token":"x","top":[{"a":1}]}]},"message":{"tool_calls":[{"id":"t"}],"content":"after deep"}}]}}}""",
        })
        {
            shapes.Add(shape);
        }

        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ReadsWhatADocumentReadingReads(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);

        var expected = OpenAIResultDocumentReading.Parse(bytes, "batch_1");
        var actual = OpenAIResultParser.Parse(bytes, "batch_1");

        Assert.Equal(Describe(expected), Describe(actual));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"custom_id":"r-1"} {"custom_id":"r-2"}""")]
    [InlineData("""{"custom_id":"r-1"}x""")]
    [InlineData("""{"custom_id":"r-1","response":{"status_code":200,"body":{"choices":[{"message":{"content":"open""")]
    [InlineData("   ")]
    [InlineData("""["custom_id","r-1"]""")]
    [InlineData("\"r-1\"")]
    [InlineData("""{"id":"batch_req_1","response":null}""")]
    public void RefusesWhatADocumentReadingRefuses(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);

        var expected = Assert.Throws<BatchAIException>(() => OpenAIResultDocumentReading.Parse(bytes, "batch_9"));
        var actual = Assert.Throws<BatchAIException>(() => OpenAIResultParser.Parse(bytes, "batch_9"));

        Assert.Equal((expected.Kind, expected.ErrorId), (actual.Kind, actual.ErrorId));
        Assert.Contains("batch_9", actual.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheJudgeItselfTellsTheShapesApart()
    {
        // Were both readings to return the same thing for every line, the comparison above could not fail.
        var success = OpenAIResultDocumentReading.Parse(Encoding.UTF8.GetBytes(Success), "b");
        var mutated = OpenAIResultDocumentReading.Parse(Encoding.UTF8.GetBytes(Success.Replace("\"cached_tokens\":12", "\"cached_tokens\":13", StringComparison.Ordinal)), "b");

        Assert.Equal("Zoë said \"hi\" 😀", success.Text);
        Assert.Equal((30, 12, 26), (success.InputTokens, success.CachedInputTokens, success.OutputTokens));
        Assert.NotEqual(Describe(success), Describe(mutated));
    }

    private static string Describe(ResultLine line) =>
        string.Join(
            "|",
            line.CustomId,
            line.Status,
            line.Text ?? "<null>",
            line.InputTokens?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "<null>",
            line.CachedInputTokens?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "<null>",
            line.OutputTokens?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "<null>",
            line.ErrorCode ?? "<null>",
            line.ErrorMessage ?? "<null>",
            line.Retryable,
            line.BatchId ?? "<null>",
            string.Join(",", line.Details.Select(d => d.Key + "=" + d.Value)));
}
