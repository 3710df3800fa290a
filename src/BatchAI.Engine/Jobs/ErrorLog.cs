using System.Text.Json;
using BatchAI.IO;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// The job's error log, <c>errors.jsonl</c> in its folder: one line for every record that did not succeed, with its
/// custom id, where it came from (row and line of the input), what the provider returned (status, error, the answer
/// text when there was one), which batch, when that batch ended, and when the line was written. Rewritten whole, and
/// atomically, by every receive, so it always describes the latest attempt of each record.
/// </summary>
internal sealed class ErrorLog : IDisposable
{
    public const string FileName = "errors.jsonl";
    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private readonly IO.JsonLineWriter _writer;
    private readonly Dictionary<string, PartRecord> _batches;
    private readonly DateTimeOffset _now;
    private bool _completed;

    public ErrorLog(JobLedger ledger, JobManifest manifest, DateTimeOffset now)
    {
        _path = System.IO.Path.Combine(ledger.Folder, FileName);
        _temp = AtomicFile.TempPathFor(_path);
        _stream = PrivateStore.Create(_temp, FileMode.CreateNew);
        _writer = new IO.JsonLineWriter(_stream, LedgerJson.WriterOptions);
        _batches = manifest.Parts.Where(p => p.BatchId is not null).GroupBy(p => p.BatchId!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _now = now;
    }

    public string Path => _path;

    public long Count { get; private set; }

    public void Add(BatchResult result)
    {
        if (result.Status == ResultStatus.Succeeded)
        {
            return;
        }

        var w = _writer.Json;
        w.WriteStartObject();
        w.WriteString("customId", result.CustomId);
        w.WriteNumber("row", result.RowNumber);
        if (result.Source.LineNumber is { } line)
        {
            w.WriteNumber("line", line);
        }

        w.WriteString("status", result.Status.ToString());
        Optional(w, "errorCode", result.ErrorCode);
        Optional(w, "errorMessage", result.ErrorMessage);
        w.WriteBoolean("retryable", result.Retryable);
        Optional(w, "answer", result.Output);
        Optional(w, "batchId", result.BatchId);
        if (result.BatchId is not null && _batches.TryGetValue(result.BatchId, out var part))
        {
            w.WriteNumber("attempt", part.Attempt);
            if (part.FinishedAt is { } finished)
            {
                w.WriteString("batchEndedAt", finished);
            }
        }

        if (result.Details.Count > 0)
        {
            w.WriteStartObject("details");
            foreach (var pair in result.Details)
            {
                w.WriteString(pair.Key, pair.Value);
            }

            w.WriteEndObject();
        }

        w.WriteString("loggedAt", _now);
        w.WriteEndObject();
        _writer.EndLine();
        Count++;
    }

    /// <summary>Puts the log in place (replacing the last one), or removes the last one when every record succeeded.</summary>
    public void Complete()
    {
        _writer.Dispose();
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        _completed = true;
        if (Count > 0)
        {
            AtomicFile.MoveIntoPlace(_temp, _path);
        }
        else
        {
            File.Delete(_temp);
            File.Delete(_path);
        }
    }

    public void Dispose()
    {
        if (_completed)
        {
            return;
        }

        _writer.Dispose();
        _stream.Dispose();
        File.Delete(_temp);
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
