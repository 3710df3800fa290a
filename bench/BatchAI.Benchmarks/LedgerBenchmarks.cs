using System.Text.Json;
using BatchAI.Jobs;
using BatchAI.Providers;
using BenchmarkDotNet.Attributes;

namespace BatchAI.Benchmarks;

/// <summary>
/// The ledger's per-record write: every result a download brings is appended to the job's results file, one
/// complete line each, and made durable once per downloaded file. The floor writes the same lines with a bare
/// <see cref="Utf8JsonWriter"/> to a file, nothing else. Ours is <c>ResultAppender</c> (the line format with the
/// provider's details, a newline per line, the fsync at the end).
/// </summary>
[MemoryDiagnoser]
public class LedgerBenchmarks
{
    private readonly List<ResultLine> _lines = [];
    private string _folder = string.Empty;

    [Params(100_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = TicketFile.NewFolder();
        for (var i = 1; i <= Rows; i++)
        {
            _lines.Add(new ResultLine
            {
                CustomId = $"T-{i:0000000}",
                Status = ResultStatus.Succeeded,
                Text = $"[emulated] Classify: Subject {i}, with a comma",
                InputTokens = 31,
                OutputTokens = 12,
                BatchId = "batch_6f0c3a1b2d4e5f60718293a4b5c6d7e8",
                Details = new Dictionary<string, string> { ["finish_reason"] = "stop", ["request_id"] = $"req_{i:x24}", ["status_code"] = "200" },
            });
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(Baseline = true, Description = "floor: Utf8JsonWriter, the same lines to a file")]
    public long Floor()
    {
        // Each line into memory, then to the file's buffer: Utf8JsonWriter.Flush on the file itself would flush the
        // FileStream too, a system call per line, which is no floor.
        using var stream = new FileStream(Path.Combine(_folder, "floor.jsonl"), FileMode.Create);
        using var line = new MemoryStream();
        using var writer = new Utf8JsonWriter(line);
        foreach (var result in _lines)
        {
            writer.WriteStartObject();
            writer.WriteString("id", result.CustomId);
            writer.WriteString("status", "Succeeded");
            writer.WriteString("text", result.Text);
            writer.WriteNumber("inputTokens", result.InputTokens!.Value);
            writer.WriteNumber("outputTokens", result.OutputTokens!.Value);
            writer.WriteString("batch", result.BatchId);
            writer.WriteStartObject("details");
            foreach (var (key, value) in result.Details)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            line.WriteByte((byte)'\n');
            stream.Write(line.GetBuffer(), 0, (int)line.Length);
            line.SetLength(0);
            writer.Reset(line);
        }

        return stream.Length;
    }

    [Benchmark(Description = "ours: the ledger's results file, appended and made durable")]
    public long Ours()
    {
        var path = Path.Combine(_folder, "results.jsonl");
        File.Delete(path);
        using var appender = new ResultAppender(path);
        foreach (var line in _lines)
        {
            appender.Append(line);
        }

        appender.Commit();
        return new FileInfo(path).Length;
    }
}
