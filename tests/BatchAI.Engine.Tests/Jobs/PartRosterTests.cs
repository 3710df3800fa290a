using BatchAI.Jobs;
using BatchAI.Providers;

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
        Assert.Equal((0, null), (roster.Answer("a", out var a), a));
        Assert.Equal((1, "schema-1"), (roster.Answer("b", out var b), b));
        Assert.Equal((2, "d-2"), (roster.Answer("c", out var c), c));
        Assert.Equal((-1, null), (roster.Answer("not-ours", out var none), none));
        foreach (var ordinal in new[] { 0, 1, 2 })
        {
            roster.Written(ordinal, lineStart: 100 * ordinal, ResultStatus.Succeeded, retryable: false);
        }

        Assert.Equal([("d", 3)], roster.Unanswered(ledger, part));
        Assert.Equal([0L, 100L, 200L, -1L], roster.LineStarts); // "d" has no line yet
        Assert.Equal(["a", "b", "c", "d"], JobRecords.PartEntries(ledger, part).Select(e => e.Id)); // as the other reading sees them
    }

    [Fact]
    public void WhenEveryRecordWasAnsweredTheIdListIsNotReadAgain()
    {
        var (ledger, part) = Part("x\ny\n");
        var roster = PartRoster.Read(ledger, part);
        roster.Written(1, 0, ResultStatus.Succeeded, retryable: false);
        roster.Written(0, 10, ResultStatus.Failed, retryable: true);
        File.Delete(Path.Combine(ledger.Folder, PartBuilder.IdsFile(part))); // a reading would fail now

        Assert.Empty(roster.Unanswered(ledger, part));
    }

    [Fact]
    public void APartWithoutSchemasSaysSo()
    {
        var (ledger, part) = Part("x\ny\n");
        var roster = PartRoster.Read(ledger, part);

        Assert.False(roster.HasSchemas);
        Assert.Equal([("x", 0), ("y", 1)], roster.Unanswered(ledger, part));
    }

    [Fact]
    public void ItCountsEachRecordByItsLatestLine()
    {
        var (ledger, part) = Part("s\nf\nr\ne\nc\nt\nn\n");
        part.State = BatchState.Completed;
        part.ResultsDownloaded = true;
        var roster = PartRoster.Read(ledger, part);
        roster.Written(0, 10, ResultStatus.Failed, retryable: true);
        roster.Written(0, 20, ResultStatus.Succeeded, retryable: false); // the provider answered it twice: the later line counts
        roster.Written(1, 30, ResultStatus.Failed, retryable: false);
        roster.Written(2, 40, ResultStatus.Failed, retryable: true);
        roster.Written(3, 50, ResultStatus.Expired, retryable: true);
        roster.Written(4, 60, ResultStatus.Canceled, retryable: true);
        roster.Written(5, 70, ResultStatus.Failed, retryable: true);

        var counts = roster.Counts(part, maxAttempts: 3);

        // "n" has no line yet: still submitted. Four ended retryably with attempts left (r, e, c, t).
        Assert.Equal((1L, 3L, 1L, 1L, 1L, 4L), (counts.Succeeded, counts.Failed, counts.Expired, counts.Canceled, counts.Submitted, counts.Retryable));
        Assert.Equal(0, roster.Counts(part, maxAttempts: 1).Retryable); // no attempts left
        Assert.Equal([20L, 30L, 40L, 50L, 60L, 70L, -1L], roster.LineStarts); // where each record's latest line starts
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
