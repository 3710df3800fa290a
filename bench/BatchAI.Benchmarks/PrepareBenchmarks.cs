using System.Text.Json;
using BatchAI.Emulator;
using BatchAI.Hosting;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;
using BenchmarkDotNet.Attributes;
using CsvHelper;

namespace BatchAI.Benchmarks;

/// <summary>
/// Records to provider request lines. The floor is the least any tool can do: read the CSV with CsvHelper and write
/// each request line with Utf8JsonWriter, nothing else. Ours is the whole preparation: read, build and validate each
/// request, write the request file and the provider's batch file, keep the id index (then discard the draft).
/// </summary>
[MemoryDiagnoser]
public class PrepareBenchmarks
{
    private string _folder = string.Empty;
    private string _input = string.Empty;
    private JobService? _service;

    [Params(100_000)]
    public int Rows { get; set; }

    [Params(ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini)]
    public ProviderKind Provider { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = TicketFile.NewFolder();
        _input = TicketFile.Write(_folder, Rows);
        _service = new JobService(new JobServiceOptions { Store = Path.Combine(_folder, "store"), EmulatorFactory = folder => new ProviderEmulator(new EmulatorOptions { StateDirectory = folder }) });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _service?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "floor: CsvHelper read + Utf8JsonWriter write")]
    public long Floor()
    {
        using var input = File.OpenRead(_input);
        using var reader = CsvReader.Create(input, new CsvReaderOptions { HasHeader = true });
        using var output = new FileStream(Path.Combine(_folder, "floor.jsonl"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var writer = new Utf8JsonWriter(output);
        long rows = 0;
        while (reader.Read())
        {
            rows++;
            writer.WriteStartObject();
            writer.WriteString("custom_id", reader.GetString(0));
            writer.WriteString("method", "POST");
            writer.WriteString("url", "/v1/chat/completions");
            writer.WriteStartObject("body");
            writer.WriteString("model", "gpt-4o-mini");
            writer.WriteStartArray("messages");
            writer.WriteStartObject();
            writer.WriteString("role", "user");
            writer.WriteString("content", "Classify: " + reader.GetString(1) + "\n" + reader.GetString(2));
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            output.WriteByte((byte)'\n');
            writer.Reset(output);
        }

        return rows;
    }

    [Benchmark(Description = "ours, one request at a time: records -> validated requests -> request file + provider batch file")]
    public long Ours()
    {
        var factory = new BatchRequestFactory(Options(), detectDuplicateIds: false);
        using var records = RecordFiles.Open(_input);
        using var draft = Draft();
        foreach (var item in records.Read())
        {
            if (factory.Build(item.Record!).Request is { } request)
            {
                draft.Add(request);
            }
        }

        return draft.Count; // disposed without submitting: the staging folder is removed
    }

    [Benchmark(Description = "ours, as submit runs it: rows encoded from their bytes on a second thread")]
    public long OursPipelined()
    {
        using var records = RecordFiles.Open(_input);
        using var draft = Draft();
        foreach (var chunk in RecordSubmission.EncodeAhead(records, Options(), RecordSubmission.Factory(records, Options()), draft.CreateEncoder(), CancellationToken.None))
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                draft.Place(chunk, i);
            }
        }

        return draft.Count;
    }

    private RequestOptions Options() =>
        new() { Prompt = PromptTemplate.Parse("Classify: {subject}\n{body}"), Model = ProviderNames.ExampleModel(Provider), IdColumn = "ticket_id" };

    private JobDraft Draft() =>
        _service!.CreateDraft(new JobDefinition { DryRun = true, Connection = new ProviderConnection { Provider = Provider, UseEmulator = true } }, NullReporter.Instance);
}
