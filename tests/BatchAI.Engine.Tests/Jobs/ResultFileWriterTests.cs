using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

public sealed class ResultFileWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static BatchResult Result(SourceRecord source, string id, ResultStatus status, string? output = null, string? json = null) =>
        new(source, id, status) { Output = output, Json = json, InputTokens = 12, OutputTokens = 3, ErrorCode = status == ResultStatus.Succeeded ? null : "batch_expired", ErrorMessage = status == ResultStatus.Succeeded ? null : "too late" };

    [Fact]
    public void CsvRowsKeepEverySourceValueExactly()
    {
        using var input = RecordFiles.Open(Fixture.Path("tickets.csv"));
        var records = input.Read().Select(r => r.Record!).ToList();
        using (var writer = ResultFileWriter.Create(_dir.File("out.csv"), input.Columns!.Names))
        {
            foreach (var record in records)
            {
                writer.Write(Result(record, "row-" + record.RowNumber, ResultStatus.Succeeded, "answer, with \"quotes\"\nand a line"));
            }

            writer.Complete();
        }

        using var output = RecordFiles.Open(_dir.File("out.csv"));
        var rows = output.Read().Select(r => r.Record!).ToList();
        Assert.Equal(["id", "subject", "body", "customer", "custom_id", "status", "output", "error", "input_tokens", "output_tokens"], output.Columns!.Names);
        Assert.Equal(records.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(records[i].Values, rows[i].Values.Take(4));
            Assert.Equal(["row-" + (i + 1), "Succeeded", "answer, with \"quotes\"\nand a line", "", "12", "3"], rows[i].Values.Skip(4));
        }
    }

    [Fact]
    public void OurColumnsGiveWayToSourceColumnsOfTheSameName()
    {
        var reporter = new RecordingReporter();
        var source = SourceRecord.FromPairs(1, [new("Status", "open"), new("output", "x")]);
        using (var writer = ResultFileWriter.Create(_dir.File("out.csv"), source.Columns.Names, reporter))
        {
            writer.Write(Result(source, "row-1", ResultStatus.Expired));
            writer.Complete();
        }

        var lines = File.ReadAllLines(_dir.File("out.csv"));
        Assert.Equal("Status,output,custom_id,batchai_status,batchai_output,error,input_tokens,output_tokens", lines[0]);
        Assert.Equal("open,x,row-1,Expired,,batch_expired: too late,12,3", lines[1]);
        Assert.Equal(2, reporter.Warnings.Count);
    }

    [Fact]
    public void JsonlKeepsSourceTypesAndAddsTheJsonAnswer()
    {
        using var input = RecordFiles.Open(Fixture.Path("records.jsonl"));
        var record = input.Read().First().Record!;
        using (var writer = ResultFileWriter.Create(_dir.File("out.jsonl"), record.Columns.Names))
        {
            writer.Write(Result(record, "j1", ResultStatus.Succeeded, """{"label":"bug"}""", """{"label":"bug"}"""));
            writer.Complete();
        }

        Assert.Equal(
            """{"id":"j1","text":"hello","score":1.50,"tags":["a","b"],"ok":true,"none":null,"custom_id":"j1","status":"Succeeded","output":"{\"label\":\"bug\"}","error":null,"input_tokens":12,"output_tokens":3,"output_json":{"label":"bug"}}""",
            File.ReadAllText(_dir.File("out.jsonl")).TrimEnd('\n'));
    }

    [Fact]
    public void TheRowShapeIsSharedWithThePipeline()
    {
        var source = SourceRecord.FromPairs(1, [new("ERROR", "x")]);
        var result = Result(source, "row-1", ResultStatus.Succeeded, "hi");

        Assert.Equal(["custom_id", "status", "output", "batchai_error", "input_tokens", "output_tokens", "output_json"], ResultRows.Names(source.Columns.Names, withJson: true));
        Assert.Equal(new object?[] { "row-1", "Succeeded", "hi", null, 12L, 3L }, ResultRows.Values(result));
    }

    [Fact]
    public void AWriterThatIsNotCompletedLeavesTheOldFileAlone()
    {
        File.WriteAllText(_dir.File("out.csv"), "previous run");
        var source = SourceRecord.FromPairs(1, [new("a", "1")]);
        using (var writer = ResultFileWriter.Create(_dir.File("out.csv"), source.Columns.Names))
        {
            writer.Write(Result(source, "row-1", ResultStatus.Succeeded, "x"));
        }

        Assert.Equal("previous run", File.ReadAllText(_dir.File("out.csv")));
        Assert.Single(Directory.EnumerateFiles(_dir.Path));
    }

    public void Dispose() => _dir.Dispose();
}
