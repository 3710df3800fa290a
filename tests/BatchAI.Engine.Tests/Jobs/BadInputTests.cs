using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// Every kind of bad input, each in its own fixture file under Fixtures/bad-input: reported with its row and field
/// and a message that says what to fix, and nothing reaches the provider (not a single call) nor the store. With
/// "skip invalid records", the good ones go and the bad ones are listed.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly EngineHarness _harness = new(limits: new ProviderLimits(maxRequestsPerBatch: 100, maxBytesPerBatch: 300));
    private readonly CallCounter _calls = new();

    public BadInputTests()
    {
        _harness.Wrap = emulator => _calls.Around(emulator);
    }

    public static TheoryData<string, string, long, string?, string> BadRecords => new()
    {
        { "ragged-row.csv", "CsvRowRagged", 2, null, "number of fields differs from the header" },
        { "not-utf8.csv", "EncodingInvalid", 2, "text", "not valid UTF-8" },
        { "unclosed-quote.csv", "CsvRowMalformed", 2, null, "never closed" },
        { "missing-field.jsonl", "ColumnMissing", 2, "text", "there is no column 'text'" },
        { "duplicate-id.csv", "CustomIdDuplicate", 3, "id", "already used by row 1" },
        { "invalid-id.csv", "CustomIdInvalid", 2, "id", "r 2" },
        { "empty-prompt.csv", "PromptEmpty", 2, "Prompt", "empty" },
        { "broken-line.jsonl", "JsonLineInvalid", 2, null, "not valid JSON" },
        { "too-large.csv", "RequestTooLarge", 2, null, "one OpenAI batch holds at most 300" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task ABadRecordIsReportedWithItsRowAndFieldAndNothingIsSent(string file, string errorId, long row, string? field, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidRecordsException>(() => _harness.SubmitFileAsync(Fixture.Path("bad-input/" + file), Options()));

        var problem = Assert.Single(error.Problems);
        Assert.Equal((errorId, row, field), (problem.ErrorId, problem.RowNumber, problem.Field));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was submitted", error.Message, StringComparison.Ordinal);
        Assert.Contains("row 2", error.Message.Replace("row 3", "row 2", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(0, _calls.Count);
        Assert.Empty(_harness.Service.List());
        Assert.False(Directory.Exists(Path.Combine(_harness.Store, "staging")) && Directory.EnumerateFileSystemEntries(Path.Combine(_harness.Store, "staging")).Any());
    }

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task SkippingInvalidRecordsSendsTheRestAndListsWhatWasLeftOut(string file, string errorId, long row, string? field, string message)
    {
        using var records = RecordFiles.Open(Fixture.Path("bad-input/" + file));
        var job = await RecordSubmission.SubmitAsync(_harness.Service, records, Options(), new JobDefinition { SkipInvalidRecords = true, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter, CancellationToken.None);

        var skipped = File.ReadAllLines(job.SkippedPath!).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        var entry = Assert.Single(skipped);
        Assert.Equal((errorId, row), (entry.GetProperty("errorId").GetString(), entry.GetProperty("row").GetInt64()));
        Assert.Equal(field, entry.TryGetProperty("field", out var f) ? f.GetString() : null);
        Assert.Contains(message, entry.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, job.SkippedCount);
        Assert.Equal(file is "unclosed-quote.csv" ? 1 : 2, job.RequestCount); // an unclosed quote swallows the rest of the file
        Assert.Contains(_harness.Reporter.Warnings, w => w.Contains("left out, as asked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QuotedLineBreaksAreDataNotProblems()
    {
        var job = await _harness.SubmitFileAsync(Fixture.Path("bad-input/quoted-newline.csv"), Options());

        Assert.Equal((3L, 0L), (job.RequestCount, job.SkippedCount));
    }

    [Fact]
    public async Task AColumnTheWholeFileLacksIsOneErrorAndNothingIsSent()
    {
        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.SubmitFileAsync(Fixture.Path("bad-input/missing-column.csv"), Options()));

        Assert.Equal("ColumnMissing", error.ErrorId);
        Assert.Contains("no column 'text'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _calls.Count);
    }

    [Fact]
    public void AnInvalidJsonSchemaFileIsRefusedByNameBeforeAnyRecordIsRead()
    {
        var error = Assert.Throws<BatchAIException>(() => ResponseSchema.FromFile(Fixture.Path("bad-input/invalid.schema.json")));

        Assert.Equal("SchemaInvalid", error.ErrorId);
        Assert.Contains("invalid.schema.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("'strng' is not a valid JSON Schema value type", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _harness.Dispose();

    private static RequestOptions Options() => EngineHarness.Options("{text}", o => o.IdColumn = "id");
}
