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
/// Result lines to joined output rows. The floor reads the downloaded result lines and writes one CSV row each (no
/// join at all). Ours is the whole receive of a finished job: every record in input order joined to its latest
/// result through the compact id index, the CSV written whole, the error log kept; once as `batchai receive` does it
/// (a success's row written from the ledger's bytes), once joining every record into a result object.
/// </summary>
[MemoryDiagnoser]
public class JoinBenchmarks
{
    private string _folder = string.Empty;
    private string _job = string.Empty;
    private string _results = string.Empty;
    private JobService? _service;

    [Params(100_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = TicketFile.NewFolder();
        var input = TicketFile.Write(_folder, Rows);
        _service = new JobService(new JobServiceOptions { Store = Path.Combine(_folder, "store"), EmulatorFactory = folder => new ProviderEmulator(new EmulatorOptions { StateDirectory = folder, ProcessingTime = TimeSpan.Zero }) });
        using var records = RecordFiles.Open(input);
        var options = new RequestOptions { Prompt = PromptTemplate.Parse("Classify: {subject}\n{body}"), Model = "gpt-4o-mini", IdColumn = "ticket_id" };
        var job = RecordSubmission.SubmitAsync(_service, records, options, new JobDefinition { Connection = new ProviderConnection { UseEmulator = true } }, NullReporter.Instance, CancellationToken.None).GetAwaiter().GetResult();
        _job = job.Id;
        _service.WaitAsync(_job, new WaitOptions { FirstPollInterval = TimeSpan.FromMilliseconds(10) }, null, NullReporter.Instance, CancellationToken.None).GetAwaiter().GetResult();
        _service.ReceiveAsync(_job, _ => { }, null, NullReporter.Instance, CancellationToken.None).GetAwaiter().GetResult(); // downloads once
        _results = Path.Combine(job.Folder, "results.jsonl");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _service?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "floor: read result lines + write CSV rows")]
    public long Floor()
    {
        using var output = new StreamWriter(Path.Combine(_folder, "floor.csv"));
        using var writer = CsvWriter.Create(output, new CsvWriterOptions());
        long rows = 0;
        foreach (var line in File.ReadLines(_results))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            writer.WriteField(root.GetProperty("id").GetString());
            writer.WriteField(root.GetProperty("status").GetString());
            writer.WriteField(root.TryGetProperty("text", out var text) ? text.GetString() : string.Empty);
            writer.EndRecord();
            rows++;
        }

        return rows;
    }

    [Benchmark(Description = "ours: receive into a CSV file, every record in input order")]
    public long Ours()
    {
        var columns = _service!.Get(_job).Columns;
        using var writer = ResultFileWriter.Create(Path.Combine(_folder, "ours.csv"), columns);
        var summary = _service.ReceiveAsync(_job, writer, null, NullReporter.Instance, CancellationToken.None).GetAwaiter().GetResult();
        writer.Complete();
        return summary.Total;
    }

    /// <summary>What PowerShell gets: each record joined into a result object (here written to the same file).</summary>
    [Benchmark(Description = "ours: receive, every record joined into a result object")]
    public long OursAsObjects()
    {
        var columns = _service!.Get(_job).Columns;
        using var writer = ResultFileWriter.Create(Path.Combine(_folder, "objects.csv"), columns);
        var summary = _service.ReceiveAsync(_job, writer.Write, null, NullReporter.Instance, CancellationToken.None).GetAwaiter().GetResult();
        writer.Complete();
        return summary.Total;
    }
}
