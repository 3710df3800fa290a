using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

public class BatchRequestFactoryTests
{
    private static readonly ColumnSet TicketColumns = new(["id", "subject", "body"]);

    private static SourceRecord Ticket(long row, string id, string subject, string body) =>
        new(row, TicketColumns, [id, subject, body], row + 1);

    private static RequestOptions Options(Action<RequestOptions>? change = null)
    {
        var options = new RequestOptions { Prompt = PromptTemplate.Parse("Classify: {subject}"), Model = "gpt-4o-mini" };
        change?.Invoke(options);
        return options;
    }

    [Fact]
    public void BuildsARequestCarryingItsSourceRecord()
    {
        var factory = new BatchRequestFactory(Options(o =>
        {
            o.SystemPrompt = "You label tickets.";
            o.MaxOutputTokens = 50;
            o.Temperature = 0.2;
        }));
        var record = Ticket(3, "T-3", "Refund", "please");

        var result = factory.Build(record);

        Assert.True(result.IsSuccess);
        var request = result.Request!;
        Assert.Equal("row-3", request.CustomId);
        Assert.Equal("Classify: Refund", request.Prompt);
        Assert.Equal("You label tickets.", request.SystemPrompt);
        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.Equal(50, request.MaxOutputTokens);
        Assert.Equal(0.2, request.Temperature);
        Assert.Same(record, request.Source);
    }

    [Fact]
    public void TakesThePromptFromANamedColumn()
    {
        var factory = new BatchRequestFactory(Options(o =>
        {
            o.Prompt = null;
            o.PromptColumn = "body";
        }));

        Assert.Equal("the whole prompt", factory.Build(Ticket(1, "T-1", "s", "the whole prompt")).Request!.Prompt);
    }

    [Fact]
    public void TakesTheCustomIdFromANamedColumn()
    {
        var factory = new BatchRequestFactory(Options(o => o.IdColumn = "id"));

        Assert.Equal("T-9", factory.Build(Ticket(1, "T-9", "s", "b")).Request!.CustomId);
    }

    [Fact]
    public void AnIdThatDoesNotFitIsAnErrorNamingRowAndField()
    {
        var factory = new BatchRequestFactory(Options(o => o.IdColumn = "id"));

        var result = factory.Build(Ticket(4, "T 4", "s", "b"));

        var problem = Assert.Single(result.Problems);
        Assert.Null(result.Request);
        Assert.Equal(4, problem.RowNumber);
        Assert.Equal("id", problem.Field);
        Assert.Equal("CustomIdInvalid", problem.ErrorId);
        Assert.StartsWith("row 4 (line 5), field 'id': the custom id 'T 4' contains 'U+0020'", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ADuplicateIdNamesBothRows()
    {
        var factory = new BatchRequestFactory(Options(o => o.IdColumn = "id"));
        factory.Build(Ticket(1, "T-1", "s", "b"));

        var problem = Assert.Single(factory.Build(Ticket(2, "T-1", "s", "b")).Problems);

        Assert.Equal(2, problem.RowNumber);
        Assert.Equal("CustomIdDuplicate", problem.ErrorId);
        Assert.Contains("already used by row 1", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateDetectionCanBeLeftToTheJobDraft()
    {
        var factory = new BatchRequestFactory(Options(o => o.IdColumn = "id"), detectDuplicateIds: false);
        factory.Build(Ticket(1, "T-1", "s", "b"));

        Assert.True(factory.Build(Ticket(2, "T-1", "s", "b")).IsSuccess);
    }

    [Fact]
    public void APlaceholderNamingAMissingColumnNamesRowAndField()
    {
        var factory = new BatchRequestFactory(Options(o => o.Prompt = PromptTemplate.Parse("{subject} {priority}")));

        var problem = Assert.Single(factory.Build(Ticket(7, "T-7", "s", "b")).Problems);

        Assert.Equal(7, problem.RowNumber);
        Assert.Equal("priority", problem.Field);
        Assert.Equal("ColumnMissing", problem.ErrorId);
        Assert.Contains("columns: id, subject, body", problem.Message, StringComparison.Ordinal);
        Assert.Equal(["priority"], factory.MissingColumns(TicketColumns));
    }

    [Fact]
    public void AMissingIdColumnIsReportedLikeAMissingPlaceholder()
    {
        var factory = new BatchRequestFactory(Options(o => o.IdColumn = "ticket_id"));

        Assert.Equal("ticket_id", Assert.Single(factory.Build(Ticket(1, "T-1", "s", "b")).Problems).Field);
    }

    [Fact]
    public void AnEmptyPromptIsAnErrorNamingRowAndField()
    {
        var byColumn = new BatchRequestFactory(Options(o =>
        {
            o.Prompt = null;
            o.PromptColumn = "body";
        }));
        var byTemplate = new BatchRequestFactory(Options(o => o.Prompt = PromptTemplate.Parse("{body}")));

        var columnProblem = Assert.Single(byColumn.Build(Ticket(2, "T-2", "s", "   ")).Problems);
        var templateProblem = Assert.Single(byTemplate.Build(Ticket(3, "T-3", "s", "")).Problems);

        Assert.Equal(("body", "PromptEmpty", 2L), (columnProblem.Field, columnProblem.ErrorId, columnProblem.RowNumber));
        Assert.Equal(("Prompt", "PromptEmpty", 3L), (templateProblem.Field, templateProblem.ErrorId, templateProblem.RowNumber));
    }

    [Fact]
    public void ReportsEveryProblemOfARecordAtOnce()
    {
        var factory = new BatchRequestFactory(Options(o =>
        {
            o.IdColumn = "id";
            o.Prompt = PromptTemplate.Parse("{body}");
        }));

        var problems = factory.Build(Ticket(1, "bad id", "s", "")).Problems;

        Assert.Equal(["CustomIdInvalid", "PromptEmpty"], problems.Select(p => p.ErrorId));
    }

    [Fact]
    public void RecordsWithOtherColumnsAreCheckedAgain()
    {
        var factory = new BatchRequestFactory(Options());
        var withSubject = SourceRecord.FromPairs(1, [new("subject", "x")]);
        var without = SourceRecord.FromPairs(2, [new("title", "x")]);

        Assert.True(factory.Build(withSubject).IsSuccess);
        Assert.Equal("subject", Assert.Single(factory.Build(without).Problems).Field);
    }

    [Theory]
    [InlineData(true, true, "PromptMissing")]
    [InlineData(false, false, "PromptMissing")]
    public void OptionsNeedExactlyOnePromptSource(bool template, bool column, string errorId)
    {
        var options = new RequestOptions
        {
            Prompt = template ? PromptTemplate.Parse("x") : null,
            PromptColumn = column ? "c" : null,
            Model = "m",
        };

        Assert.Equal(errorId, Assert.Throws<BatchAIException>(options.Validate).ErrorId);
    }

    [Theory]
    [InlineData("", null, null, "ModelMissing")]
    [InlineData("m", 0, null, "MaxTokensInvalid")]
    [InlineData("m", null, 2.5, "TemperatureInvalid")]
    [InlineData("m", null, -0.1, "TemperatureInvalid")]
    public void OptionsOutOfRangeAreRejected(string model, int? maxTokens, double? temperature, string errorId)
    {
        var options = new RequestOptions { Prompt = PromptTemplate.Parse("x"), Model = model, MaxOutputTokens = maxTokens, Temperature = temperature };

        var error = Assert.Throws<BatchAIException>(options.Validate);

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
    }
}
