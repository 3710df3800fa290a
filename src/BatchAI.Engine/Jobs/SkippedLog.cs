using System.Text.Json;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>The records a job left out because they were invalid (it asked to skip them): one JSON line each, with row, line, field and reason.</summary>
internal sealed class SkippedLog : IDisposable
{
    public const string FileName = "skipped.jsonl";
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _writer;

    public SkippedLog(string path)
    {
        _stream = PrivateStore.Create(path, FileMode.CreateNew);
        _writer = new Utf8JsonWriter(_stream, LedgerJson.WriterOptions);
    }

    public void Add(RecordProblem problem)
    {
        _writer.WriteStartObject();
        _writer.WriteNumber("row", problem.RowNumber);
        if (problem.LineNumber is { } line)
        {
            _writer.WriteNumber("line", line);
        }

        if (problem.Field is { } field)
        {
            _writer.WriteString("field", field);
        }

        _writer.WriteString("errorId", problem.ErrorId);
        _writer.WriteString("message", problem.Message);
        _writer.WriteEndObject();
        _writer.Flush();
        _stream.WriteByte((byte)'\n');
        _writer.Reset(_stream);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
    }
}
