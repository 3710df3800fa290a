using System.Text;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// A file's records are read, built and encoded on one thread and placed in the draft on another, a chunk of 512 at
/// a time (<see cref="RecordSubmission.EncodeAhead"/>). What a user sees must not show it: the same job as adding the
/// requests one by one, problems in input order across chunks, and a failure or a cancellation that stops both
/// threads and leaves nothing behind.
/// </summary>
public sealed class PreparationPipelineTests : IDisposable
{
    private readonly EngineHarness _harness = new();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _harness.Dispose();
        _dir.Dispose();
    }

    private static RequestOptions Options() => EngineHarness.Options("Classify: {subject}\n{body}", o => o.IdColumn = "id");

    private string Csv(int rows, Func<int, string>? rowText = null)
    {
        var text = new StringBuilder("id,subject,body\n");
        for (var row = 1; row <= rows; row++)
        {
            text.Append(rowText?.Invoke(row) ?? $"t-{row},\"Subject {row}, with a comma\",\"Body {row}: \"\"quoted\"\"\nZoë 日本語\"").Append('\n');
        }

        var path = _dir.File($"rows-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public async Task TheJobIsTheSameAsOneMadeByAddingEachRequestInTurn()
    {
        var path = Csv(1_300);
        var dryRun = EngineHarness.Emulated();
        dryRun.DryRun = true;

        BatchJob piped;
        using (var records = RecordFiles.Open(path))
        {
            piped = await RecordSubmission.SubmitAsync(_harness.Service, records, Options(), dryRun, _harness.Reporter, CancellationToken.None);
        }

        BatchJob oneByOne;
        using (var records = RecordFiles.Open(path))
        using (var draft = _harness.Service.CreateDraft(dryRun, _harness.Reporter))
        {
            var factory = RecordSubmission.Factory(records, Options());
            foreach (var item in records.Read())
            {
                Assert.Empty(draft.Add(factory.Build(item.Record!).Request!));
            }

            oneByOne = await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
        }

        Assert.Equal(1_300, piped.RequestCount);
        var files = Directory.EnumerateFiles(piped.Folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(piped.Folder, f))
            .Where(f => f.StartsWith("parts", StringComparison.Ordinal) || f == JobLedger.RequestsFile)
            .ToList();
        Assert.Contains(JobLedger.RequestsFile, files);
        Assert.Contains(files, f => f.EndsWith(".ids", StringComparison.Ordinal));
        foreach (var file in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(oneByOne.Folder, file)), File.ReadAllBytes(Path.Combine(piped.Folder, file)));
        }

        // And the ledger reads back: every record, in order, with its part.
        var stored = RequestFile.Read(Path.Combine(piped.Folder, JobLedger.RequestsFile)).ToList();
        Assert.Equal(Enumerable.Range(1, 1_300).Select(i => "t-" + i), stored.Select(s => s.CustomId));
        Assert.All(stored, s => Assert.Equal(1, s.Part));
        Assert.Equal("Classify: Subject 7, with a comma\nBody 7: \"quoted\"\nZoë 日本語", stored[6].Prompt);
    }

    [Fact]
    public async Task ProblemsFoundOnEitherThreadAreReportedInInputOrderAcrossChunks()
    {
        // Row 3 is unreadable (read), 600 has no id and 1,400 an invalid one (built), 700 repeats row 5's id
        // (placed): three chunks, problems from both threads.
        var path = Csv(1_500, row => row switch
        {
            3 => "t-3,only two fields",
            600 => ",s,b",
            700 => "t-5,again,again",
            1_400 => "bad id!,x,y",
            _ => $"t-{row},s{row},b{row}",
        });

        var error = await Assert.ThrowsAsync<InvalidRecordsException>(() => _harness.SubmitFileAsync(path, Options()));

        var expected = new[] { (3L, "CsvRowRagged"), (600L, "CustomIdInvalid"), (700L, "CustomIdDuplicate"), (1_400L, "CustomIdInvalid") };
        Assert.Equal(expected, _harness.Reporter.Problems.Select(p => (p.RowNumber, p.ErrorId)));
        Assert.Equal(expected, error.Problems.Select(p => (p.RowNumber, p.ErrorId)));
        Assert.Empty(_harness.Service.List());
    }

    [Fact]
    public async Task AFailureWhileReadingIsThrownAfterWhatCameBeforeAndLeavesNothing()
    {
        using var records = new FakeSource(failAfter: 700);

        var error = await Assert.ThrowsAsync<IOException>(() => RecordSubmission.SubmitAsync(_harness.Service, records, Options(), EngineHarness.Emulated(), _harness.Reporter, CancellationToken.None));

        Assert.Equal("the disk went away", error.Message);
        Assert.Equal(700, records.Yielded);
        Assert.True(records.Finished, "the reading thread was not stopped");
        Assert.Empty(_harness.Service.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_harness.Store, "staging")));
    }

    [Fact]
    public async Task CancelingStopsTheReadingThreadAndLeavesNothing()
    {
        using var cancel = new CancellationTokenSource();
        using var records = new FakeSource(failAfter: null);
        _harness.Reporter.OnProgress = report =>
        {
            if (report.Status.StartsWith("20,000", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RecordSubmission.SubmitAsync(_harness.Service, records, Options(), EngineHarness.Emulated(), _harness.Reporter, cancel.Token));

        Assert.True(records.Finished, "the reading thread was not stopped");
        Assert.InRange(records.Yielded, 20_000, 20_000 + (5 * EncodedChunk.Capacity)); // it stays a few chunks ahead
        Assert.Empty(_harness.Service.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_harness.Store, "staging")));
    }

    /// <summary>Endless good records, or a failure after some.</summary>
    private sealed class FakeSource(int? failAfter) : IRecordSource
    {
        private static readonly ColumnSet ColumnNames = new(["id", "subject", "body"]);

        private volatile bool _finished;

        public ColumnSet? Columns => ColumnNames;

        public int Yielded { get; private set; }

        public bool Finished => _finished;

        public IEnumerable<RecordReadResult> Read()
        {
            try
            {
                for (var row = 1L; ; row++)
                {
                    if (row > failAfter)
                    {
                        throw new IOException("the disk went away");
                    }

                    Yielded++;
                    yield return RecordReadResult.Of(new SourceRecord(row, ColumnNames, ["t-" + row, "s", "b"]));
                }
            }
            finally
            {
                _finished = true;
            }
        }

        public void Dispose()
        {
        }
    }
}
