using BatchAI.Engine.Tests.Support;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

public class RecordFilesTests
{
    private static List<RecordReadResult> ReadAll(string path)
    {
        using var source = RecordFiles.Open(path);
        return source.Read().ToList();
    }

    [Fact]
    public void CsvFieldsComeBackExactlyAsWritten()
    {
        using var source = RecordFiles.Open(Fixture.Path("tickets.csv"));
        var records = source.Read().Select(r => r.Record!).ToList();

        Assert.Equal(["id", "subject", "body", "customer"], source.Columns!.Names);
        Assert.Equal(4, records.Count);
        Assert.Equal(["T-1", "Login fails", "Cannot log in, says \"invalid token\"", "Zoë Ångström"], records[0].Values);
        Assert.Equal("Line one\nLine two", records[1].Values[2]);
        Assert.Equal("李雷", records[1].Values[3]);
        Assert.Equal("first\r\nsecond", records[2].Values[2]);
        Assert.Equal("  padded  ", records[2].Values[3]);
        Assert.Equal(["T-4", "Empty body", "", ""], records[3].Values);
    }

    [Fact]
    public void CsvRowsKnowTheirRowAndStartingLine()
    {
        var records = ReadAll(Fixture.Path("tickets.csv")).Select(r => r.Record!).ToList();

        Assert.Equal([1L, 2L, 3L, 4L], records.Select(r => r.RowNumber));
        Assert.Equal([2L, 3L, 5L, 7L], records.Select(r => r.LineNumber!.Value));
    }

    [Fact]
    public void BadCsvRowsAreReportedInPlaceAndLaterRowsKeepTheirNumbers()
    {
        var results = ReadAll(Fixture.Path("ragged.csv"));

        Assert.Equal(5, results.Count);
        Assert.Equal(("a1", 1L), ((string)results[0].Record!.Values[0]!, results[0].Record!.RowNumber));
        Assert.Equal(("CsvRowRagged", 2L, 3L), (results[1].Problem!.ErrorId, results[1].Problem!.RowNumber, results[1].Problem!.LineNumber!.Value));
        Assert.Equal(("a3", 3L), ((string)results[2].Record!.Values[0]!, results[2].Record!.RowNumber));
        Assert.Equal(("CsvRowMalformed", 4L), (results[3].Problem!.ErrorId, results[3].Problem!.RowNumber));
        Assert.Equal(("a5", 5L), ((string)results[4].Record!.Values[0]!, results[4].Record!.RowNumber));
    }

    [Fact]
    public void AnEmptyCsvIsAnError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("empty.csv"), string.Empty);

        Assert.Equal("InputEmpty", Assert.Throws<BatchAIException>(() => RecordFiles.Open(dir.File("empty.csv"))).ErrorId);
    }

    [Theory]
    [InlineData("a,,c\n1,2,3\n", "InputColumnUnnamed")]
    [InlineData("a,b,a\n1,2,3\n", "InputColumnDuplicate")]
    public void HeadersMustNameEveryColumnOnce(string content, string errorId)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bad.csv"), content);

        Assert.Equal(errorId, Assert.ThrowsAny<BatchAIException>(() => RecordFiles.Open(dir.File("bad.csv"))).ErrorId);
    }

    [Fact]
    public void TsvUsesTabs()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.tsv"), "a\tb\n1,5\t2\n");

        var record = Assert.Single(ReadAll(dir.File("in.tsv"))).Record!;

        Assert.Equal(["1,5", "2"], record.Values);
    }

    [Fact]
    public void JsonlKeepsTypesAndExactNumberText()
    {
        var records = ReadAll(Fixture.Path("records.jsonl")).Select(r => r.Record!).ToList();

        Assert.Equal(3, records.Count);
        Assert.Equal(["id", "text", "score", "tags", "ok", "none"], records[0].Columns.Names);
        Assert.Equal(new object?[] { "j1", "hello", new JsonText("1.50"), new JsonText("[\"a\",\"b\"]"), true, null }, records[0].Values);
        Assert.Same(records[0].Columns, records[1].Columns);
        Assert.NotSame(records[1].Columns, records[2].Columns);
        Assert.Equal([1L, 2L, 3L], records.Select(r => r.RowNumber));
        Assert.Equal([1L, 3L, 4L], records.Select(r => r.LineNumber!.Value));
    }

    [Fact]
    public void BadJsonlLinesAreReportedWithRowAndLine()
    {
        var results = ReadAll(Fixture.Path("bad-lines.jsonl"));

        Assert.Equal(["j1", null, null, null, "j5"], results.Select(r => r.Record?.Values[0] as string));
        Assert.Equal(["JsonLineInvalid", "JsonLineNotObject", "JsonLineDuplicateKey"], results.Where(r => r.Problem is not null).Select(r => r.Problem!.ErrorId));
        Assert.Equal(2, results[1].Problem!.LineNumber);
    }

    [Fact]
    public void UnknownExtensionsAndMissingFilesAreClearErrors()
    {
        Assert.Equal("InputFormatUnknown", Assert.Throws<BatchAIException>(() => RecordFiles.Open("data.xlsx")).ErrorId);
        var missing = Assert.Throws<BatchAIException>(() => RecordFiles.Open("/nonexistent/x.csv"));
        Assert.Equal(("InputNotFound", ErrorKind.NotFound), (missing.ErrorId, missing.Kind));
    }
}
