using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>The records a job left out because they were invalid (it asked to skip them): one JSON line each, with row, line, field and reason.</summary>
internal sealed class SkippedLog : IDisposable
{
    public const string FileName = "skipped.jsonl";
    private readonly FileStream _stream;
    private readonly IO.JsonLineWriter _lines;

    public SkippedLog(string path)
    {
        _stream = PrivateStore.Create(path, FileMode.CreateNew);
        _lines = new IO.JsonLineWriter(_stream, LedgerJson.WriterOptions);
    }

    public void Add(RecordProblem problem)
    {
        var w = _lines.Json;
        w.WriteStartObject();
        w.WriteNumber("row", problem.RowNumber);
        if (problem.LineNumber is { } line)
        {
            w.WriteNumber("line", line);
        }

        if (problem.Field is { } field)
        {
            w.WriteString("field", field);
        }

        w.WriteString("errorId", problem.ErrorId);
        w.WriteString("message", problem.Message);
        w.WriteEndObject();
        _lines.EndLine();
    }

    public void Dispose()
    {
        _lines.Dispose();
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
    }
}
