using System.Text;
using BatchAI.Engine.Tests.Support;
using BatchAI.IO;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// A results-file row written from the ledger's bytes (a success in the usual shape) must be the row the general join
/// writes from the joined result, byte for byte; anything else must be refused with nothing written.
/// </summary>
public sealed class SucceededRowTests : IDisposable
{
    // What makes CSV and JSON hard, and what merely looks like it: separators, quotes, backslashes, line breaks of
    // every kind, white space at the ends, control characters (escaped in JSON), non-ASCII of two, three and four
    // bytes, a lone surrogate, and text that looks like JSON.
    private static readonly string[] Pieces = ["a", "Zoë", "日本", "😀", ",", "\t", "\"", "\\", "\r", "\n", "\r\n", " ", "\u0001", "/", "\ud800", "{\"x\":1}", "[1]", "=1+2", "\u2028"];

    private static readonly string[] Columns = ["ticket_id", "subject", "status", "body"]; // "status" is renamed in the header

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("csv")]
    [InlineData("tsv")]
    public void ARowWrittenFromTheBytesIsTheRowTheJoinWrites(string extension)
    {
        var random = new Random(20261129);
        // As the ledger holds them: the bytes its writers make (a lone surrogate included), not text encoded again.
        var rows = Enumerable.Range(0, 3_000).Select(i => (Request: RequestBytes(i, Columns.Select(_ => (object?)Text(random)).ToArray(), Columns), Result: ResultBytes(ResultOf(i, random)))).ToList();

        var (joined, mixed, fromBytes) = BothWays(extension, rows, (writer, _, request, result) => writer.TryWriteSucceeded(request, result));

        Assert.Equal(Shown(joined), Shown(mixed));
        Assert.True(fromBytes > 2_500, $"only {fromBytes} of 3,000 rows were written from the bytes"); // lone surrogates go the general way
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("tsv")]
    public void ARowWrittenFromAKeptAnswerIsTheRowTheJoinWrites(string extension)
    {
        var random = new Random(20261130);
        var results = Enumerable.Range(0, 3_000).Select(i => ResultOf(i, random)).ToList();
        var answers = new KeptAnswers(results.Count, new AnswerBudget(KeptAnswers.DefaultBudget));
        for (var i = 0; i < results.Count; i++)
        {
            answers.Keep(i, results[i]);
        }

        // Every tenth request has a number in its source: refused, so written the general way although its answer is kept.
        var rows = results.Select((result, i) => (Request: RequestBytes(i, Columns.Select(_ => i % 10 == 3 ? 7L : (object?)Text(random)).ToArray(), Columns), Result: ResultBytes(result))).ToList();
        var (joined, mixed, fromKept) = BothWays(extension, rows, (writer, ordinal, request, _) => answers.TryGet(ordinal, out var answer) && writer.TryWriteSucceeded(request, answer));

        Assert.Equal(Shown(joined), Shown(mixed));
        Assert.InRange(fromKept, 2_300, 2_700); // not the tenth with a number, nor a text with a lone surrogate
    }

    [Fact]
    public void WhatIsKeptForTheJoinIsWhatItTakesFromTheLine()
    {
        var random = new Random(20261131);
        ResultLine Success(int? input, int? output) => new() { CustomId = "r", Status = ResultStatus.Succeeded, Text = "x", InputTokens = input, OutputTokens = output };
        var lines = Enumerable.Range(0, 500).Select(i => ResultOf(i, random)).Where(l => !l.Text!.Contains('\ud800', StringComparison.Ordinal)).Concat(
        [
            Success(0, 999_999_999), Success(null, null), Success(-1, 1), Success(1, 1_000_000_000), Success(int.MaxValue, 1),
            new ResultLine { CustomId = "r", Status = ResultStatus.Succeeded },
            new ResultLine { CustomId = "r", Status = ResultStatus.Succeeded, Text = "x", ErrorCode = "odd" },
            new ResultLine { CustomId = "r", Status = ResultStatus.Succeeded, Text = "x", ErrorMessage = "odd" },
            new ResultLine { CustomId = "r", Status = ResultStatus.Failed, Text = "x", ErrorCode = "e", ErrorMessage = "m" },
            new ResultLine { CustomId = "r", Status = ResultStatus.Expired, ErrorCode = "batch_expired", ErrorMessage = "m" },
        ]).ToList();
        var row = new SucceededRow(Columns);
        var request = Encoding.UTF8.GetBytes(Request());

        // (A lone surrogate is left out above: the line's bytes cannot be unescaped, and KeptAnswers refuses it when encoding.)
        Assert.All(lines, line => Assert.Equal(row.TryRead(request, ResultBytes(line)), SucceededRow.TakesAsItIs(line)));
        Assert.Contains(lines, SucceededRow.TakesAsItIs);
        Assert.Contains(lines, l => !SucceededRow.TakesAsItIs(l));
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "failed", Request(), Result("""{"id":"r-1","status":"Failed","errorCode":"server_error","errorMessage":"boom","retryable":true}""") },
        { "another status with an answer", Request(), Result("""{"id":"r-1","status":"Failed","text":"x"}""") },
        { "a failed answer check", Request(), Result("""{"id":"r-1","status":"Failed","text":"not json","errorCode":"invalid_json","errorMessage":"m"}""") },
        { "an error beside a success", Request(), Result("""{"id":"r-1","status":"Succeeded","text":"x","errorCode":"odd"}""") },
        { "no answer", Request(), Result("""{"id":"r-1","status":"Succeeded","inputTokens":1}""") },
        { "two answers", Request(), Result("""{"id":"r-1","status":"Succeeded","text":"x","text":"y"}""") },
        { "a count too large for an int", Request(), Result("""{"id":"r-1","status":"Succeeded","text":"x","inputTokens":12345678901}""") },
        { "a count with a fraction", Request(), Result("""{"id":"r-1","status":"Succeeded","text":"x","outputTokens":1.5}""") },
        { "a damaged result", Request(), """{"id":"r-1","status":"Succeeded","text":"x""" },
        { "a number in the source", RequestLine(1, ["T-1", "s", 7L, "b"]), Result() },
        { "null in the source", RequestLine(1, ["T-1", "s", null, "b"]), Result() },
        { "a column missing", RequestLine(1, ["T-1", "s", "st"], Columns.Take(3).ToArray()), Result() },
        { "a column more", RequestLine(1, ["T-1", "s", "st", "b", "x"], [.. Columns, "extra"]), Result() },
        { "columns in another order", RequestLine(1, ["s", "T-1", "st", "b"], ["subject", "ticket_id", "status", "body"]), Result() },
        { "a damaged request", Request().Substring(0, 40), Result() },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void AnythingElseIsRefusedWithNothingWritten(string what, string request, string result)
    {
        var path = _dir.File(what.Replace(' ', '-') + ".csv");
        using (var writer = ResultFileWriter.Create(path, Columns))
        {
            Assert.False(writer.TryWriteSucceeded(Encoding.UTF8.GetBytes(request), Encoding.UTF8.GetBytes(result)), what);
            Assert.Equal(0, writer.Count);
            writer.Complete();
        }

        Assert.Single(File.ReadAllLines(path)); // the header only
    }

    [Fact]
    public void AJsonLinesFileTakesEveryRowTheGeneralWay()
    {
        using var writer = ResultFileWriter.Create(_dir.File("out.jsonl"), Columns);

        Assert.False(writer.TryWriteSucceeded(Encoding.UTF8.GetBytes(Request()), Encoding.UTF8.GetBytes(Result())));
    }

    [Fact]
    public void TheUsualShapeIsTakenFromTheBytes()
    {
        var path = _dir.File("usual.csv");
        using (var writer = ResultFileWriter.Create(path, Columns))
        {
            Assert.True(writer.TryWriteSucceeded(Encoding.UTF8.GetBytes(Request()), Encoding.UTF8.GetBytes(Result())));
            writer.Complete();
        }

        Assert.Equal("T-1,\"Subject, with a comma\",open,\"Body \"\"quoted\"\"\nsecond line\",r-1,Succeeded,\"An answer, \"\"quoted\"\"\",,30,26", File.ReadAllText(path).Split("\r\n")[1]);
    }

    public void Dispose() => _dir.Dispose();

    private static string Request() => RequestLine(1, ["T-1", "Subject, with a comma", "open", "Body \"quoted\"\nsecond line"]);

    private static string Result(string? json = null) => json ?? ResultLineOf(new ResultLine { CustomId = "r-1", Status = ResultStatus.Succeeded, Text = "An answer, \"quoted\"", InputTokens = 30, CachedInputTokens = 5, OutputTokens = 26, BatchId = "batch_1", Details = new Dictionary<string, string> { ["finish_reason"] = "stop" } });

    private static string RequestLine(int i, object?[] values, string[]? columns = null) => Encoding.UTF8.GetString(RequestBytes(i, values, columns ?? Columns));

    private static byte[] RequestBytes(int i, object?[] values, string[] columns)
    {
        var line = new JsonLine();
        RequestFile.Write(line, new BatchRequest("r-" + i, new SourceRecord(i + 1, new ColumnSet(columns), values), "Classify: {subject}", "gpt-4o-mini"), part: 1);
        return line.ToArray();
    }

    private static ResultLine ResultOf(int i, Random random) => new ResultLine
    {
        CustomId = "r-" + i,
        Status = ResultStatus.Succeeded,
        Text = Text(random),
        InputTokens = random.Next(3) == 0 ? null : random.Next(0, 100_000),
        CachedInputTokens = random.Next(2) == 0 ? null : random.Next(0, 100),
        OutputTokens = random.Next(5) == 0 ? null : random.Next(0, 100_000),
        BatchId = "batch_" + random.Next(3),
        Details = new Dictionary<string, string> { ["finish_reason"] = "stop", ["model"] = Text(random) },
    };

    private static string ResultLineOf(ResultLine result) => Encoding.UTF8.GetString(ResultBytes(result));

    private static byte[] ResultBytes(ResultLine result)
    {
        var line = new JsonLine();
        ResultFile.Write(line, result);
        return line.ToArray();
    }

    private static string Text(Random random) => random.Next(10) == 0 ? string.Empty : string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => Pieces[random.Next(Pieces.Length)]));

    private static BatchResult Joined(byte[] request, byte[] result) =>
        ResultJoiner.Join(new RequestFile.RecordReader("requests.jsonl").Read(new StoredLine(request, 1, "r", 1)), ResultFile.Parse(result), null);

    /// <summary>
    /// The rows written the general way, and written the fast way where <paramref name="fast"/> writes them (given the
    /// row's place, its request and its result) and the general way elsewhere; and how many the fast way wrote.
    /// </summary>
    private (byte[] Joined, byte[] Mixed, int Fast) BothWays(string extension, List<(byte[] Request, byte[] Result)> rows, Func<ResultFileWriter, int, byte[], byte[], bool> fast)
    {
        var count = 0;
        var ordinal = 0;
        var mixed = Write(extension, "mixed", (writer, request, result) =>
        {
            if (fast(writer, ordinal++, request, result))
            {
                count++;
            }
            else
            {
                writer.Write(Joined(request, result));
            }
        }, rows);
        var joined = Write(extension, "joined", (writer, request, result) => writer.Write(Joined(request, result)), rows);
        return (joined, mixed, count);
    }

    private byte[] Write(string extension, string name, Action<ResultFileWriter, byte[], byte[]> write, List<(byte[] Request, byte[] Result)> rows)
    {
        var path = _dir.File(name + "." + extension);
        using (var writer = ResultFileWriter.Create(path, Columns))
        {
            foreach (var (request, result) in rows)
            {
                write(writer, request, result);
            }

            writer.Complete();
        }

        return File.ReadAllBytes(path);
    }

    private static string Shown(byte[] bytes) => Encoding.UTF8.GetString(bytes).Replace("\r", "<CR>", StringComparison.Ordinal).Replace("\n", "<LF>\n", StringComparison.Ordinal);
}
