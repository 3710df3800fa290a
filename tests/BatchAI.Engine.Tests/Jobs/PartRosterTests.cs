using BatchAI.Jobs;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>A part's id list as a download reads it: every id with its schema, each answered once or not at all.</summary>
public sealed class PartRosterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roster-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ItReadsEachIdWithItsSchemaAndKnowsWhichWereNotAnswered()
    {
        var (ledger, part) = Part("a\nb\tschema-1\r\n\nc\td-2\nd\n"); // a blank line, a Windows line end, no end after the last
        var roster = PartRoster.Read(ledger, part);

        Assert.True(roster.HasSchemas);
        Assert.Null(roster.Answer("a"));
        Assert.Equal("schema-1", roster.Answer("b"));
        Assert.Equal("d-2", roster.Answer("c"));
        Assert.Null(roster.Answer("not-ours"));
        Assert.Equal(["d"], roster.Unanswered(ledger, part));
        Assert.Equal(["a", "b", "c", "d"], JobRecords.PartEntries(ledger, part).Select(e => e.Id)); // as the other reading sees them
    }

    [Fact]
    public void APartWithoutSchemasSaysSo()
    {
        var (ledger, part) = Part("x\ny\n");
        var roster = PartRoster.Read(ledger, part);

        Assert.False(roster.HasSchemas);
        Assert.Equal(["x", "y"], roster.Unanswered(ledger, part));
    }

    [Fact]
    public void ADamagedLineIsNamedWithItsFile()
    {
        var (ledger, part) = Part("a\nb c\n");

        var error = Assert.Throws<BatchAIException>(() => PartRoster.Read(ledger, part));
        Assert.Contains("Line 2", error.Message);
        Assert.Contains("part-0001.ids", error.Message);
        Assert.Contains("'b c'", error.Message);
    }

    private (JobLedger Ledger, PartRecord Part) Part(string ids)
    {
        var part = new PartRecord { Index = 1, File = Path.Combine("parts", "part-0001.jsonl"), Requests = 2 };
        Directory.CreateDirectory(Path.Combine(_folder, "parts"));
        File.WriteAllText(Path.Combine(_folder, "parts", "part-0001.ids"), ids);
        return (new JobLedger(_folder), part);
    }
}
