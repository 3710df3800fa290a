using BatchAI.Engine.Tests.Support;
using BatchAI.IO;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

public sealed class LedgerFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static ResultLine Line(string id, string text = "ok") => new() { CustomId = id, Status = ResultStatus.Succeeded, Text = text, InputTokens = 1, OutputTokens = 2, BatchId = "b", Details = new Dictionary<string, string> { ["finish_reason"] = "stop" } };

    [Fact]
    public void ResultsRoundTripThroughTheResultsFile()
    {
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(Line("a", "Zoë \"quoted\"\nline"));
            appender.Commit();
        }

        using var lines = new RandomAccessLines(path);
        var back = ResultFile.Parse(lines.ReadBytesAt(0));

        Assert.Equal(("a", "Zoë \"quoted\"\nline", 1, 2, "b", "stop"), (back.CustomId, back.Text, back.InputTokens, back.OutputTokens, back.BatchId, back.Details["finish_reason"]));
    }

    [Fact]
    public void ALineIsKnownAsItsIdsOnlyByTheWholeId()
    {
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(Line("row-12"));
            appender.Append(Line("A_z-9"));
            appender.Commit();
        }

        using var lines = new RandomAccessLines(path);
        var first = lines.ReadBytesAt(0).ToArray();
        Assert.True(ResultFile.IsLineOf(first, "row-12"));
        Assert.False(ResultFile.IsLineOf(first, "row-1")); // a prefix of the id is another record
        Assert.False(ResultFile.IsLineOf(first, "row-123"));
        Assert.False(ResultFile.IsLineOf(first, "Row-12"));
        Assert.True(ResultFile.IsLineOf(lines.ReadBytesAt(first.Length + 1).ToArray(), "A_z-9"));
        Assert.False(ResultFile.IsLineOf("{\"id\":\"row"u8, "row-12")); // cut short
    }

    [Fact]
    public void AFlushedPartIsReadableAtOnceAndMadeDurableBesideTheNextPartsAppender()
    {
        var path = _dir.File("results.jsonl");
        using var first = new ResultAppender(path);
        first.Append(Line("a"));
        first.Flush(); // in the file for readers, not yet synced

        using (var lines = new RandomAccessLines(path))
        {
            Assert.Equal("a", ResultFile.Parse(lines.ReadBytesAt(0)).CustomId);
        }

        // The next part appends through a handle of its own while the first part is made durable through a third.
        using var next = new ResultAppender(path);
        var start = next.Append(Line("b"));
        ResultAppender.MakeDurable(path);
        next.Flush();

        using var all = new RandomAccessLines(path);
        Assert.Equal("b", ResultFile.Parse(all.ReadBytesAt(start)).CustomId);
    }

    [Fact]
    public void LinesAreReadBackInAnyOrderWhateverTheirLength()
    {
        var path = _dir.File("lines.txt");
        string[] written = ["short", new string('x', 10_000) + "é", "", "crlf"];
        File.WriteAllText(path, string.Join("\n", written.Take(3)) + "\n" + written[3] + "\r\n");
        using var stream = File.OpenRead(path);
        var offsets = LineFiles.Read(stream, includeUnterminatedLast: true).Select(l => l.Offset).ToList();
        using var lines = new RandomAccessLines(path);

        Assert.Equal(written.Reverse(), offsets.AsEnumerable().Reverse().Select(lines.ReadAt));
    }

    [Fact]
    public void LinesReadForwardBackAndAcrossTheReadWindowComeBackWholeAndAnAppendedLineIsSeen()
    {
        var path = _dir.File("window.txt");
        var written = Enumerable.Range(0, 3_000).Select(i => i % 1_000 == 7 ? new string('w', 70_000 + i) : "line " + i + " Zoë").ToList();
        File.WriteAllText(path, string.Join("\n", written) + "\n");
        using var stream = File.OpenRead(path);
        var offsets = LineFiles.Read(stream, includeUnterminatedLast: true).Select(l => l.Offset).ToList();
        using var lines = new RandomAccessLines(path);

        Assert.Equal(written, offsets.Select(lines.ReadAt)); // forward: the window's way
        var shuffled = Enumerable.Range(0, written.Count).OrderBy(i => (i * 7919) % written.Count).ToList();
        Assert.Equal(shuffled.Select(i => written[i]), shuffled.Select(i => lines.ReadAt(offsets[i]))); // out of order

        var end = new FileInfo(path).Length;
        File.AppendAllText(path, "appended later\n");
        Assert.Equal("appended later", lines.ReadAt(end));
        Assert.Equal(string.Empty, lines.ReadAt(end + 1_000)); // past the end: nothing, not an error
    }

    [Fact]
    public void TheIndexPointsAtTheLatestLineOfEachId()
    {
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(Line("a", "first"));
            appender.Append(Line("b", "b"));
            appender.Append(Line("a", "second"));
        }

        var index = ResultFile.Index(path);
        using var lines = new RandomAccessLines(path);

        Assert.True(index.TryGetOffset("a", out var offset));
        Assert.Equal("second", ResultFile.Parse(lines.ReadBytesAt(offset)).Text);
        Assert.Equal(2, index.Count);
    }

    [Fact]
    public void OutcomesAreTheLatestStatusAndRetryabilityOfEachIdReadPastTextAndDetails()
    {
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(new ResultLine { CustomId = "a", Status = ResultStatus.Failed, ErrorCode = "server_error", Retryable = true, BatchId = "b1" });
            appender.Append(Line("b", "{\"status\":\"Failed\",\"retryable\":true}")); // text that looks like the fields
            appender.Append(new ResultLine { CustomId = "c", Status = ResultStatus.Expired, Retryable = true, Details = new Dictionary<string, string> { ["retryable"] = "false" } });
            appender.Append(new ResultLine { CustomId = "d", Status = ResultStatus.Failed, ErrorCode = "invalid_request" });
            appender.Append(Line("a", "second try"));
        }

        var outcomes = ResultFile.Index(path);
        (ResultStatus, bool) Outcome(string id) => outcomes.TryGetOutcome(id, out var status, out var retryable) ? (status, retryable) : throw new KeyNotFoundException(id);

        Assert.Equal(4, outcomes.Count);
        Assert.Equal((ResultStatus.Succeeded, false), Outcome("a"));
        Assert.Equal((ResultStatus.Succeeded, false), Outcome("b"));
        Assert.Equal((ResultStatus.Expired, true), Outcome("c"));
        Assert.Equal((ResultStatus.Failed, false), Outcome("d"));
    }

    [Fact]
    public void DetailsReadWhenFirstAskedForAreTheDetailsReadAtOnce()
    {
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(new ResultLine { CustomId = "a", Status = ResultStatus.Succeeded, Text = "t", Details = new Dictionary<string, string> { ["finish_reason"] = "stop", ["request_id"] = "req \"1\"\n", ["Zoë"] = "日本語 😀", ["empty"] = string.Empty } });
            appender.Append(new ResultLine { CustomId = "b", Status = ResultStatus.Failed, ErrorCode = "x" }); // no details at all
            appender.Append(new ResultLine { CustomId = "c", Status = ResultStatus.Succeeded, Text = "{\"details\":{\"a\":\"b\"}}", Details = new Dictionary<string, string> { ["model"] = "m" } });
        }

        foreach (var bytes in File.ReadAllLines(path).Select(System.Text.Encoding.UTF8.GetBytes))
        {
            var atOnce = ResultFile.Parse(bytes);
            var later = ResultFile.Parse(bytes.ToArray(), owned: true);

            Assert.Equal(atOnce.Details.OrderBy(d => d.Key, StringComparer.Ordinal), later.Details.OrderBy(d => d.Key, StringComparer.Ordinal));
            Assert.Equal((atOnce.CustomId, atOnce.Text, atOnce.Status), (later.CustomId, later.Text, later.Status));
            Assert.Equal(atOnce.Details.Count, later.Details.Count);
            Assert.Equal(atOnce.Details.Keys.Order(StringComparer.Ordinal), later.Details.Keys.Order(StringComparer.Ordinal));
            Assert.All(atOnce.Details, d => Assert.True(later.Details.TryGetValue(d.Key, out var value) && value == d.Value && later.Details[d.Key] == d.Value && later.Details.ContainsKey(d.Key)));
        }

        Assert.Equal("req \"1\"\n", ResultFile.Parse(System.Text.Encoding.UTF8.GetBytes(File.ReadLines(path).First()), owned: true).Details["request_id"]);
    }

    [Fact]
    public void DetailsAreWrittenTheSameWhateverDictionaryHoldsThem()
    {
        var pairs = new[] { ("line_id", "b1"), ("status_code", "200"), ("request_id", "req \"1\"\n"), ("Zoë", "日本語 😀"), ("empty", string.Empty) };
        var provider = new ResultDetails(capacity: 2); // as a provider's parser makes them
        var other = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            provider[key] = value;
            other[key] = value;
        }

        string Written(IReadOnlyDictionary<string, string> details)
        {
            var json = new JsonLine();
            ResultFile.Write(json, new ResultLine { CustomId = "a", Status = ResultStatus.Succeeded, Text = "t", Details = details });
            return json.ToString();
        }

        Assert.Equal(Written(other), Written(provider));
        Assert.Equal(pairs.Select(p => (p.Item1, p.Item2)), ResultFile.Parse(System.Text.Encoding.UTF8.GetBytes(Written(provider))).Details.Select(d => (d.Key, d.Value)));
    }

    [Fact]
    public void DamagedDetailsReadLaterNameTheRecordTheyBelongTo()
    {
        var line = System.Text.Encoding.UTF8.GetBytes("{\"id\":\"T-42\",\"status\":\"Succeeded\",\"text\":\"ok\",\"details\":{\"status_code\":200}}");

        var parsed = ResultFile.Parse(line, owned: true); // the rest of the line is read at once, and is fine
        var error = Assert.Throws<BatchAIException>(() => parsed.Details.Count);

        Assert.Equal(("T-42", "ok"), (parsed.CustomId, parsed.Text));
        Assert.Equal("JobResultsCorrupt", error.ErrorId);
        Assert.Contains("'T-42'", error.Message, StringComparison.Ordinal);
        Assert.Equal("JobResultsCorrupt", Assert.Throws<BatchAIException>(() => ResultFile.Parse(line)).ErrorId); // read at once: refused at once
    }

    [Fact]
    public void AnIndexKeptWhileAppendingIsTheIndexAScanOfTheFileMakes()
    {
        // A download notes each line it appends instead of reading the file again; both must say the same.
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(Line("a", "from an earlier download"));
            appender.Append(Line("b"));
        }

        File.AppendAllText(path, "{\"id\":\"c\",\"status\":\"Succ"); // cut short by a crash: dropped by the next append
        var kept = ResultFile.Index(path);
        using (var appender = new ResultAppender(path))
        {
            void Append(ResultLine line) => kept.Note(line.CustomId, appender.Append(line), line.Status, line.Retryable);
            Append(new ResultLine { CustomId = "c", Status = ResultStatus.Failed, ErrorCode = "server_error", Retryable = true, BatchId = "b2" });
            Append(Line("a", "Zoë's second answer, \"quoted\""));
            Append(new ResultLine { CustomId = "d", Status = ResultStatus.Expired, Retryable = true });
            Append(new ResultLine { CustomId = "e", Status = ResultStatus.Canceled });
        }

        var scanned = ResultFile.Index(path);
        using var lines = new RandomAccessLines(path);

        Assert.Equal(scanned.Count, kept.Count);
        foreach (var id in new[] { "a", "b", "c", "d", "e" })
        {
            Assert.True(kept.TryGetOffset(id, out var offset) && scanned.TryGetOffset(id, out var scannedOffset) && offset == scannedOffset, id);
            Assert.True(kept.TryGetOutcome(id, out var status, out var retryable), id);
            Assert.True(scanned.TryGetOutcome(id, out var scannedStatus, out var scannedRetryable), id);
            Assert.Equal((scannedStatus, scannedRetryable), (status, retryable));
            Assert.Equal(id, ResultFile.Parse(lines.ReadBytesAt(offset)).CustomId);
        }

        Assert.Equal("Zoë's second answer, \"quoted\"", ResultFile.Parse(lines.ReadBytesAt(kept.TryGetOffset("a", out var a) ? a : -1)).Text);
        Assert.False(kept.TryGetOffset("f", out _));
    }

    [Theory]
    [InlineData("{\"id\":\"b\",\"text\":\"no status\"}", "no id or a known status")]
    [InlineData("{\"id\":\"b\",\"status\":\"Succ", null)] // complete line, broken JSON
    [InlineData("{\"id\":\"b\",\"status\":\"Sleeping\"}", "no id or a known status")]
    public void ADamagedLineOfTheResultsFileIsNamedByItsNumber(string damaged, string? reason)
    {
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(Line("a"));
        }

        File.AppendAllText(path, damaged + "\n");

        var error = Assert.Throws<BatchAIException>(() => ResultFile.Index(path));

        Assert.Equal("JobResultsCorrupt", error.ErrorId);
        Assert.Contains("Line 2 of the job's results file", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        if (reason is not null)
        {
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("JobResultsCorrupt", Assert.Throws<BatchAIException>(() => ResultFile.Parse(System.Text.Encoding.UTF8.GetBytes(damaged))).ErrorId);
    }

    [Fact]
    public void ADamagedLineOfTheRequestsFileIsNamedByItsNumberAndField()
    {
        string WithSecondLine(string name, string damaged)
        {
            var path = _dir.File(name);
            File.WriteAllText(path, RequestLine(new BatchRequest("r-1", SourceRecord.FromPairs(1, [new("a", "1")]), "p", "m"), part: 1));

            File.AppendAllText(path, "\n" + damaged + "\n");
            return path;
        }

        var missing = Assert.Throws<BatchAIException>(() => RequestFile.ReadRecords(WithSecondLine("missing.jsonl", "{\"row\":2,\"part\":1,\"model\":\"m\",\"source\":{}}")).ToList());
        var wrongKind = Assert.Throws<BatchAIException>(() => RequestFile.Read(WithSecondLine("kind.jsonl", "{\"id\":\"r-2\",\"row\":\"two\"}")).ToList());
        var broken = Assert.Throws<BatchAIException>(() => RequestFile.ReadRecords(WithSecondLine("broken.jsonl", "{\"id\":\"r-2\",")).ToList());

        Assert.All([missing, wrongKind, broken], e => Assert.Equal("JobRequestsCorrupt", e.ErrorId));
        Assert.All([missing, wrongKind, broken], e => Assert.Contains("Line 2 of the job's requests file", e.Message, StringComparison.Ordinal));
        Assert.Contains("it has no id", missing.Message, StringComparison.Ordinal);
        Assert.Contains("missing.jsonl", missing.Message, StringComparison.Ordinal);

        // Read as lines (a join): the id and part at once, the rest when the record is read; the same errors.
        List<StoredLine> Lines(string name, string damaged) => RequestFile.ReadLines(WithSecondLine(name, damaged)).ToList();
        var lineMissing = Assert.Throws<BatchAIException>(() => Lines("lines-missing.jsonl", "{\"row\":2,\"part\":1,\"model\":\"m\",\"source\":{}}"));
        var linePart = Assert.Throws<BatchAIException>(() => Lines("lines-part.jsonl", "{\"id\":\"r-2\",\"part\":\"one\"}"));
        var lines = Lines("lines-row.jsonl", "{\"id\":\"r-2\",\"row\":\"two\",\"part\":1,\"source\":{}}");
        var reader = new RequestFile.RecordReader("lines-row.jsonl");
        Assert.Equal(("r-1", 1, "1"), (lines[0].CustomId, lines[0].Part, reader.Read(lines[0]).Source.Values[0]));
        var lineSource = Assert.Throws<BatchAIException>(() => reader.Read(lines[1]));
        Assert.All([lineMissing, linePart, lineSource], e => Assert.Equal("JobRequestsCorrupt", e.ErrorId));
        Assert.All([lineMissing, linePart, lineSource], e => Assert.Contains("Line 2 of the job's requests file", e.Message, StringComparison.Ordinal));
        Assert.Contains("it has no id", lineMissing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAppendCutShortByACrashIsDroppedBeforeTheNextAppend()
    {
        var path = _dir.File("results.jsonl");
        using (var appender = new ResultAppender(path))
        {
            appender.Append(Line("a"));
        }

        File.AppendAllText(path, "{\"id\":\"b\",\"status\":\"Succ");
        Assert.Equal(1, ResultFile.Index(path).Count);

        using (var appender = new ResultAppender(path))
        {
            appender.Append(Line("b"));
        }

        Assert.Equal(2, File.ReadAllLines(path).Length);
        Assert.Equal(2, ResultFile.Index(path).Count);
    }

    [Fact]
    public void StoredRequestsKeepTheirSourceRecordExactly()
    {
        var path = _dir.File("requests.jsonl");
        var columns = new ColumnSet(["text", "n", "raw", "flag", "none"]);
        var source = new SourceRecord(7, columns, ["Zoë\r\n\"x\"", 5L, new JsonText("1.50"), true, null], 9);
        File.WriteAllText(path, RequestLine(new BatchRequest("r-7", source, "p", "m", schema: ResponseSchema.Parse("""{"type":"object"}""")), part: 3));

        var stored = Assert.Single(RequestFile.Read(path));

        Assert.Equal(("r-7", 3, "m", 7L, 9L), (stored.CustomId, stored.Part, stored.Model, stored.Source.RowNumber, stored.Source.LineNumber!.Value));
        Assert.Equal(new object?[] { "Zoë\r\n\"x\"", new JsonText("5"), new JsonText("1.50"), true, null }, stored.Source.Values);
        Assert.NotNull(stored.SchemaId);
        Assert.Equal("p", stored.Prompt);
        Assert.Contains("Zoë", File.ReadAllText(path), StringComparison.Ordinal);

        // What a join reads: the same record, the request itself passed over.
        var record = Assert.Single(RequestFile.ReadRecords(path));
        Assert.IsNotType<StoredRequest>(record);
        Assert.Equal((stored.CustomId, stored.Part, stored.SchemaId), (record.CustomId, record.Part, record.SchemaId));
        Assert.Equal(stored.Source.Values, record.Source.Values);
    }

    [Fact]
    public void StoredRequestsWhoseColumnsChangeFromLineToLineKeepEachRecordsOwnColumns()
    {
        var path = _dir.File("requests.jsonl");
        string[][] shapes = [["a", "b"], ["a", "b"], ["a"], ["a", "b", "c"], ["x \"q\" é"], [], ["a", "b"]];
        File.WriteAllText(path, string.Concat(shapes.Select((shape, i) =>
        {
            var values = shape.Select((_, j) => (object?)(j == 1 ? new JsonText("{\"k\":[1,2]}") : "v" + i + j)).ToList();
            return RequestLine(new BatchRequest("r-" + i, new SourceRecord(i + 1, new ColumnSet(shape), values), "p", "m"), part: 1) + "\n";
        })));

        var stored = RequestFile.Read(path).ToList();

        Assert.Equal(shapes, stored.Select(r => r.Source.Columns.Names.ToArray()));
        Assert.Equal(new object?[] { "v60", new JsonText("{\"k\":[1,2]}") }, stored[6].Source.Values);
        Assert.Same(stored[0].Source.Columns, stored[1].Source.Columns); // the same columns are shared, as when read
        Assert.Equal(Enumerable.Range(1, shapes.Length).Select(i => (long)i), stored.Select(r => r.Source.RowNumber));
    }

    [Fact]
    public void ARequestWithoutAResultIsAFailureThatSaysWhy()
    {
        var request = new StoredRecord { CustomId = "r", Part = 1, Source = SourceRecord.FromPairs(1, [new("a", "1")]) };
        var failedBatch = new PartRecord { Index = 1, BatchId = "batch_9", State = BatchState.Failed, Errors = ["too_many_tasks: too many"] };
        var completedBatch = new PartRecord { Index = 1, BatchId = "batch_9", State = BatchState.Completed };
        var neverSubmitted = new PartRecord { Index = 1, State = BatchState.Canceled };

        var rejected = ResultJoiner.Join(request, null, failedBatch);
        var missing = ResultJoiner.Join(request, null, completedBatch);
        var canceled = ResultJoiner.Join(request, null, neverSubmitted);

        Assert.Equal((ResultStatus.Failed, "batch_failed", false), (rejected.Status, rejected.ErrorCode, rejected.Retryable));
        Assert.Contains("too_many_tasks: too many", rejected.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((ResultStatus.Failed, "missing_result", true), (missing.Status, missing.ErrorCode, missing.Retryable));
        Assert.Equal(ResultStatus.Canceled, canceled.Status);
    }

    [Theory]
    [InlineData("{not json} but fine", null)]
    [InlineData("[emulated] Classify: a ticket", null)]
    [InlineData("[1] First point [2] Second point", null)]
    [InlineData("[1] First point [2]", null)]
    [InlineData("{\"a\": 1", null)]
    [InlineData("  {\"label\": \"billing\"}\n", "{\"label\": \"billing\"}")]
    [InlineData("[1, 2, 3]", "[1, 2, 3]")]
    [InlineData("[ {\"a\": true} ]", "[ {\"a\": true} ]")]
    [InlineData("{}", "{}")]
    public void AnAnswerIsJsonOnlyWhenItParsesAsAnObjectOrArray(string text, string? json)
    {
        var request = new StoredRecord { CustomId = "r", Part = 1, Source = SourceRecord.FromPairs(1, [new("a", "1")]) };

        var result = ResultJoiner.Join(request, new ResultLine { CustomId = "r", Status = ResultStatus.Succeeded, Text = text }, null);

        Assert.Equal((ResultStatus.Succeeded, text, json), (result.Status, result.Output, result.Json));
    }

    public void Dispose() => _dir.Dispose();

    private static string RequestLine(BatchRequest request, int part)
    {
        var line = new BatchAI.IO.JsonLine();
        RequestFile.Write(line, request, part);
        return line.ToString();
    }
}
