using System.Text;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// The download keeps a plain success's answer in memory for the join, within a budget shared by the parts, and
/// nothing else: what it keeps must be what the join would read from the answer's line.
/// </summary>
public sealed class KeptAnswersTests
{
    [Fact]
    public void APlainSuccessIsKeptAsItsIdTextAndCounts()
    {
        var answers = new KeptAnswers(3, new AnswerBudget(KeptAnswers.DefaultBudget));

        answers.Keep(1, Success("row-2", "Zoë, \"quoted\"\r\n日本 😀", input: 30, output: null));
        answers.Keep(0, Success("row-1", string.Empty, input: 0, output: 999_999_999));

        Assert.Equal(("row-2", "Zoë, \"quoted\"\r\n日本 😀", 30, -1), Read(answers, 1));
        Assert.Equal(("row-1", string.Empty, 0, 999_999_999), Read(answers, 0));
        Assert.False(answers.TryGet(2, out _)); // nothing kept for it
        Assert.False(answers.TryGet(3, out _)); // not a record of the part
        Assert.False(answers.TryGet(-1, out _)); // not one of ours
    }

    public static TheoryData<string> NotPlain => [.. NotPlainLines.Keys];

    private static Dictionary<string, ResultLine> NotPlainLines => new()
    {
        ["failed"] = new ResultLine { CustomId = "r", Status = ResultStatus.Failed, ErrorCode = "server_error", ErrorMessage = "boom" },
        ["failed with a text"] = new ResultLine { CustomId = "r", Status = ResultStatus.Failed, Text = "not json", ErrorCode = "invalid_json", ErrorMessage = "m" },
        ["expired"] = new ResultLine { CustomId = "r", Status = ResultStatus.Expired, ErrorCode = "batch_expired", ErrorMessage = "m", Retryable = true },
        ["no text"] = new ResultLine { CustomId = "r", Status = ResultStatus.Succeeded },
        ["an error code beside a success"] = new ResultLine { CustomId = "r", Status = ResultStatus.Succeeded, Text = "x", ErrorCode = "odd" },
        ["an error message beside a success"] = new ResultLine { CustomId = "r", Status = ResultStatus.Succeeded, Text = "x", ErrorMessage = "odd" },
        ["a negative count"] = Success("r", "x", -1, 1),
        ["a count of ten digits"] = Success("r", "x", 1, 1_000_000_000),
        ["a lone surrogate"] = Success("r", "a\ud800b", 1, 1),
        ["longer than a block"] = Success("r", new string('x', KeptAnswers.BlockSize), 1, 1),
    };

    [Theory]
    [MemberData(nameof(NotPlain))]
    public void NothingElseIsKept(string what)
    {
        var line = NotPlainLines[what];
        var answers = new KeptAnswers(1, new AnswerBudget(KeptAnswers.DefaultBudget));

        answers.Keep(0, line);

        Assert.False(answers.TryGet(0, out _), what);
    }

    [Fact]
    public void ALaterLineReplacesWhatWasKept()
    {
        var answers = new KeptAnswers(2, new AnswerBudget(KeptAnswers.DefaultBudget));
        answers.Keep(0, Success("a", "first", 1, 1));
        answers.Keep(1, Success("b", "kept", 1, 1));

        answers.Keep(0, new ResultLine { CustomId = "a", Status = ResultStatus.Failed, ErrorCode = "e", ErrorMessage = "m" });
        answers.Keep(1, Success("b", "again", 2, 3));

        Assert.False(answers.TryGet(0, out _));
        Assert.Equal(("b", "again", 2, 3), Read(answers, 1));
    }

    [Fact]
    public void PartsKeepWithinTheirSharedBudgetAndGiveItBack()
    {
        var budget = new AnswerBudget(2L * KeptAnswers.BlockSize);
        var text = new string('a', 300_000); // three to a block
        var first = new KeptAnswers(10, budget);
        for (var i = 0; i < 10; i++)
        {
            first.Keep(i, Success("a-" + i, text, 1, 1));
        }

        var second = new KeptAnswers(1, budget);
        second.Keep(0, Success("b", "short", 1, 1));

        Assert.Equal(6, Enumerable.Range(0, 10).Count(i => first.TryGet(i, out _))); // two blocks of three
        Assert.False(first.TryGet(6, out _)); // the first that found the budget spent: none after it either
        Assert.False(second.TryGet(0, out _));
        Assert.Equal(0, budget.Left);

        first.Release();
        var third = new KeptAnswers(1, budget);
        third.Keep(0, Success("c", "short", 1, 1));

        Assert.False(first.TryGet(0, out _)); // nothing is read after its release
        Assert.Equal(("c", "short", 1, 1), Read(third, 0));
        Assert.Equal(KeptAnswers.BlockSize, budget.Left);
        third.Release();
        Assert.Equal(2L * KeptAnswers.BlockSize, budget.Left);
    }

    [Fact]
    public void AnAnswerIsForTheIdItWasKeptWith()
    {
        var answers = new KeptAnswers(1, new AnswerBudget(KeptAnswers.DefaultBudget));
        answers.Keep(0, Success("row-12", "x", 1, 1));

        Assert.True(answers.TryGet(0, out var answer));
        Assert.True(answer.IsFor("row-12"));
        Assert.False(answer.IsFor("row-1"));
        Assert.False(answer.IsFor("row-123"));
        Assert.False(answer.IsFor("row-13"));
    }

    private static ResultLine Success(string id, string text, int? input, int? output) => new()
    {
        CustomId = id,
        Status = ResultStatus.Succeeded,
        Text = text,
        InputTokens = input,
        OutputTokens = output,
        CachedInputTokens = 7,
        BatchId = "batch_1",
        Details = new Dictionary<string, string> { ["finish_reason"] = "stop" },
    };

    private static (string Id, string Text, int Input, int Output) Read(KeptAnswers answers, int ordinal)
    {
        Assert.True(answers.TryGet(ordinal, out var answer));
        return (Encoding.ASCII.GetString(answer.CustomId), Encoding.UTF8.GetString(answer.Text), answer.InputTokens, answer.OutputTokens);
    }
}
