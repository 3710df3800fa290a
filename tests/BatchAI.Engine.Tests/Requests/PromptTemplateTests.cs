using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

public class PromptTemplateTests
{
    private static SourceRecord Record(params (string Name, object? Value)[] columns) =>
        new(1, new ColumnSet(columns.Select(c => c.Name)), columns.Select(c => c.Value).ToList());

    [Fact]
    public void FillsPlaceholdersFromTheRecord()
    {
        var template = PromptTemplate.Parse("Classify: {subject} / {body}");

        var text = template.Render(Record(("subject", "Login"), ("body", "fails")));

        Assert.Equal("Classify: Login / fails", text);
    }

    [Fact]
    public void DoubledBracesAreLiteralBraces()
    {
        var template = PromptTemplate.Parse("Answer as {{\"label\": ...}} for {x}}}");

        Assert.Equal("Answer as {\"label\": ...} for 1}", template.Render(Record(("x", 1L))));
        Assert.Equal(["x"], template.Placeholders);
    }

    [Fact]
    public void PlaceholderMayContainSpacesAndMatchesCaseInsensitively()
    {
        var template = PromptTemplate.Parse("Hello {customer name}");

        Assert.Equal("Hello Ann", template.Render(Record(("Customer Name", "Ann"))));
    }

    [Fact]
    public void ExactColumnNameWinsOverACaseInsensitiveOne()
    {
        var template = PromptTemplate.Parse("{Name}");

        Assert.Equal("exact", template.Render(Record(("name", "lower"), ("Name", "exact"))));
    }

    [Fact]
    public void NullRendersAsNothingAndNumbersInvariantly()
    {
        var template = PromptTemplate.Parse("[{a}][{b}][{c}]");

        Assert.Equal("[][2.5][true]", template.Render(Record(("a", null), ("b", 2.5), ("c", true))));
    }

    [Theory]
    [InlineData("Hello {name", 7, "never closed")]
    [InlineData("Hello name}", 11, "closes no placeholder")]
    [InlineData("Hello {} there", 7, "empty placeholder")]
    [InlineData("Hello {a{b}", 9, "cannot contain")]
    public void SyntaxErrorsNameTheirPosition(string text, int position, string why)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => PromptTemplate.Parse(text));

        Assert.Equal(position, error.Position + 1);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Contains($"character {position}", error.Message, StringComparison.Ordinal);
        Assert.Equal("PromptTemplateInvalid", error.ErrorId);
    }

    [Fact]
    public void MissingColumnsListsPlaceholdersTheColumnsLack()
    {
        var template = PromptTemplate.Parse("{a} {b} {c} {a}");

        Assert.Equal(["b", "c"], template.MissingColumns(new ColumnSet(["a", "x"])));
    }
}
