using System.Text;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
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

    public static TheoryData<ProviderKind, bool, bool> ProvidersAndSettings => new()
    {
        { ProviderKind.OpenAI, false, true },
        { ProviderKind.OpenAI, false, false }, // ids made from row numbers
        { ProviderKind.OpenAI, true, true },
        { ProviderKind.Anthropic, true, true },
        { ProviderKind.Gemini, true, false },
        { ProviderKind.AzureOpenAI, true, true },
    };

    /// <summary>
    /// A CSV file's rows are encoded straight from their bytes (<see cref="CsvRowEncoder"/>); the same file seen as any
    /// other source takes the general way (records, requests, encoder). Both must give the same job, byte for byte,
    /// and the same problems: every kind of text, every provider, every setting, good rows and bad.
    /// </summary>
    [Theory]
    [MemberData(nameof(ProvidersAndSettings))]
    public async Task RowsEncodedFromTheirBytesGiveTheJobAndProblemsTheGeneralWayGives(ProviderKind provider, bool settings, bool idColumn)
    {
        var rows = new StringBuilder("id,a,b,c\n");
        string[] texts = ["plain", "\"quoted\"\" and, comma\"", "\"line\nbreak\r\nand tab\t\"", "back\\slash", "Zoë 日本語 😀", "\u0001\u001F\u007F", "", " ", "\"{braces}\"", "\u2028\uFFFE"];
        for (var row = 1; row <= 700; row++)
        {
            var id = row switch
            {
                13 => "bad id",       // CustomIdInvalid
                14 => "",             // CustomIdInvalid: empty
                15 => "r-2",          // CustomIdDuplicate
                16 => new string('x', 65),
                _ => "r-" + row,
            };
            var line = row switch
            {
                20 => $"{id},,,",                      // blank prompt with settings off: PromptEmpty
                21 => $"{id},only,two",                // CsvRowRagged
                _ => $"{id},{texts[row % texts.Length]},{texts[(row / 3) % texts.Length]},{row}",
            };
            rows.Append(line).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(rows.ToString()).ToList();
        bytes.AddRange(Encoding.UTF8.GetBytes("r-701,x,"));
        bytes.AddRange(new byte[] { 0xED, 0xA0, 0x80, (byte)',', (byte)'1', (byte)'\n' }); // a surrogate's bytes: not UTF-8
        bytes.AddRange(Encoding.UTF8.GetBytes("r-702,"));
        bytes.AddRange(new byte[] { 0xC3, 0x28, (byte)',', (byte)'y', (byte)',', (byte)'2', (byte)'\n' }); // a broken sequence
        bytes.AddRange(Encoding.UTF8.GetBytes("r-703,\uFFFD,z,3\n"));
        var path = _dir.File("mixed.csv");
        File.WriteAllBytes(path, bytes.ToArray());

        var options = EngineHarness.Options(settings ? "{a}{b}" : "Say: {a} / {b}", o =>
        {
            o.IdColumn = idColumn ? "id" : null;
            if (settings)
            {
                o.SystemPrompt = "Be \"brief\".\nZoë";
                o.MaxOutputTokens = 77;
                o.Temperature = 0.5;
                o.Schema = ResponseSchema.Parse("""{"type":"object","properties":{"label":{"type":"string","description":"é \"x\""}},"required":["label"],"additionalProperties":false}""");
            }
        });

        async Task<(BatchJob Job, List<string> Problems)> Submit(bool hideType)
        {
            var reporter = new RecordingReporter();
            var definition = EngineHarness.Emulated(provider: provider);
            definition.DryRun = true;
            definition.SkipInvalidRecords = true;
            using var records = RecordFiles.Open(path);
            using var source = hideType ? new Opaque(records) : records;
            var job = await RecordSubmission.SubmitAsync(_harness.Service, source, options, definition, reporter, CancellationToken.None);
            return (job, reporter.Problems.Select(p => $"{p.RowNumber}/{p.LineNumber}/{p.Field}/{p.ErrorId}/{p.Message}").ToList());
        }

        using (var draft = _harness.Service.CreateDraft(EngineHarness.Emulated(provider: provider), _harness.Reporter))
        {
            Assert.NotNull(draft.CreateEncoder().ForCsvRows(options, new ColumnSet(["id", "a", "b", "c"]))); // the byte way is taken
        }

        var (fromBytes, bytesProblems) = await Submit(hideType: false);
        var (general, generalProblems) = await Submit(hideType: true);

        Assert.Equal(generalProblems, bytesProblems);
        Assert.Equal(idColumn ? 1 : 0, bytesProblems.Count(p => p.Contains("/CustomIdDuplicate/", StringComparison.Ordinal)));
        Assert.Contains(bytesProblems, p => p.Contains("/EncodingInvalid/", StringComparison.Ordinal));
        Assert.Equal(3, bytesProblems.Count(p => p.Contains("/EncodingInvalid/", StringComparison.Ordinal)));
        Assert.Contains(bytesProblems, p => p.Contains("/CsvRowRagged/", StringComparison.Ordinal));
        Assert.Equal(idColumn ? 3 : 0, bytesProblems.Count(p => p.Contains("/CustomIdInvalid/", StringComparison.Ordinal)));
        Assert.Equal(settings ? 1 : 0, bytesProblems.Count(p => p.Contains("/PromptEmpty/", StringComparison.Ordinal)));
        Assert.True(fromBytes.RequestCount > 680);
        var files = Directory.EnumerateFiles(general.Folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(general.Folder, f))
            .Where(f => f != "manifest.json" && f != "lock")
            .ToList();
        Assert.Contains(JobLedger.RequestsFile, files);
        Assert.Contains("skipped.jsonl", files);
        foreach (var file in files)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(general.Folder, file)), File.ReadAllText(Path.Combine(fromBytes.Folder, file)));
        }

        Assert.Equal(Manifest(general), Manifest(fromBytes));
    }

    [Fact]
    public void AJobWhoseSettingsHoldAMarkerTakesTheGeneralWay()
    {
        var columns = new ColumnSet(["id", "a"]);
        var encoder = new RequestEncoder(new BatchAI.Providers.OpenAI.OpenAIProvider(null!), BatchAI.Providers.OpenAI.OpenAIProvider.DefaultLimits);

        Assert.NotNull(encoder.ForCsvRows(EngineHarness.Options("{a}", o => o.IdColumn = "id"), columns));
        Assert.Null(encoder.ForCsvRows(EngineHarness.Options("{a}", o => { o.IdColumn = "id"; o.SystemPrompt = "BatchAIx7IdMarker"; }), columns));
        Assert.Null(encoder.ForCsvRows(new RequestOptions { PromptColumn = "a", Model = "m" }, columns));
        Assert.Null(encoder.ForCsvRows(EngineHarness.Options("{missing}"), columns));
    }

    private static string Manifest(BatchJob job) =>
        string.Join("\n", File.ReadAllLines(Path.Combine(job.Folder, "manifest.json")).Where(l => !l.Contains("\"id\":", StringComparison.Ordinal) && !l.Contains("createdAt", StringComparison.Ordinal)));

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
        Assert.InRange(records.Yielded, 20_000, 20_000 + ((RecordSubmission.ChunksInFlight + 2) * EncodedChunk.Capacity)); // it stays a few chunks ahead
        Assert.Empty(_harness.Service.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_harness.Store, "staging")));
    }

    /// <summary>A source that is not a CSV source to the pipeline: its rows take the general way.</summary>
    private sealed class Opaque(IRecordSource inner) : IRecordSource
    {
        public ColumnSet? Columns => inner.Columns;

        public IEnumerable<RecordReadResult> Read() => inner.Read();

        public void Dispose()
        {
        }
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
