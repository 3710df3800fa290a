using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

public class PromptTemplateTests
{
    private static SourceRecord Record(params (string Name, object? Value)[] columns) =>
        new(1, new ColumnSet(columns.Select(c => c.Name)), columns.Select(c => c.Value).ToList());

    [Fact]
    public void RecordsWithDifferentColumnsInTurnEachFindTheirOwn()
    {
        // The columns are looked up once per set of columns: records whose sets alternate must not mix them up.
        var template = PromptTemplate.Parse("{a}-{b}");
        var ab = new ColumnSet(["a", "b"]);
        var ba = new ColumnSet(["B", "A"]);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("1-2", template.Render(new SourceRecord(1, ab, ["1", "2"])));
            Assert.Equal("4-3", template.Render(new SourceRecord(2, ba, ["3", "4"])));
        }

        Assert.Throws<InvalidOperationException>(() => template.Render(new SourceRecord(3, new ColumnSet(["a"]), ["1"])));
        var shared = Enumerable.Range(0, 4).AsParallel().Select(i => template.Render(new SourceRecord(1, i % 2 == 0 ? ab : ba, ["x" + i, "y" + i]))).ToList();
        Assert.Equal(["x0-y0", "y1-x1", "x2-y2", "y3-x3"], shared);
    }

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
