using System.Text.Json;
using BatchAI.Hosting;
using BatchAI.IO;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// Writes received results as CSV, TSV or JSONL in the shape of <see cref="ResultRows"/> (JSONL adds
/// <c>output_json</c>, the answer as JSON when it is JSON). The file appears only when complete.
/// </summary>
public sealed class ResultFileWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly IReadOnlyList<string> _sourceColumns;
    private readonly WriteBehind _writes = new();
    private readonly Stream _stream;
    private readonly CsvRowWriter? _csv;
    private readonly IO.JsonLineWriter? _json;
    private readonly string[] _names;
    private SucceededRow? _succeeded;
    private bool _completed;

    private ResultFileWriter(string path, IReadOnlyList<string> sourceColumns, RecordFormat format, IEngineReporter reporter)
    {
        _path = Path.GetFullPath(path);
        _sourceColumns = sourceColumns;
        _names = ResultRows.Names(sourceColumns, withJson: format == RecordFormat.Jsonl).ToArray();
        foreach (var renamed in _names.Where(n => n.StartsWith(ResultRows.CollisionPrefix, StringComparison.Ordinal)))
        {
            reporter.Warning($"The input has a column named '{renamed.Substring(ResultRows.CollisionPrefix.Length)}', so the result's column is named '{renamed}'.");
        }

        Header = [.. sourceColumns, .. _names];
        var folder = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(folder);
        _temp = AtomicFile.TempPathFor(_path);
        // Written, and made durable as it grows, on a thread of its own: a million rows (250 MB) left to one flush at
        // the end kept the receive waiting for the disk after its last row.
        _stream = _writes.Open(new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1));
        if (format == RecordFormat.Jsonl)
        {
            _json = new IO.JsonLineWriter(_stream, LedgerJson.WriterOptions);
        }
        else
        {
            _csv = new CsvRowWriter(_stream, format == RecordFormat.Tsv ? '\t' : ',');
            foreach (var name in Header)
            {
                _csv.Field(name);
            }

            _csv.EndRecord();
        }
    }

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Rows written so far.</summary>
    public long Count { get; private set; }

    /// <summary>Opens a writer for <paramref name="path"/>; its extension (.csv, .tsv, .jsonl) picks the format.</summary>
    public static ResultFileWriter Create(string path, IReadOnlyList<string> sourceColumns, IEngineReporter? reporter = null) =>
        new(path ?? throw new ArgumentNullException(nameof(path)), sourceColumns ?? throw new ArgumentNullException(nameof(sourceColumns)), RecordFiles.FormatOf(path), reporter ?? NullReporter.Instance);

    public void Write(BatchResult result)
    {
        if (result is null)
        {
            throw new ArgumentNullException(nameof(result));
        }

        if (_json is not null)
        {
            WriteJson(_json.Json, result);
            _json.EndLine();
        }
        else
        {
            WriteCsv(_csv!, result);
        }

        Count++;
    }

    /// <summary>
    /// Writes the row of a request that succeeded from the bytes of its stored request line and stored result line
    /// (see <see cref="SucceededRow"/>). False, with nothing written, when this file is not CSV or TSV or the row is
    /// not in that one shape: the caller then writes the joined <see cref="BatchResult"/>, which gives the same row.
    /// </summary>
    internal bool TryWriteSucceeded(ReadOnlySpan<byte> request, ReadOnlySpan<byte> result)
    {
        if (_csv is null || !(_succeeded ??= new SucceededRow(_sourceColumns)).TryRead(request, result))
        {
            return false;
        }

        WriteSucceeded();
        return true;
    }

    /// <summary>
    /// As <see cref="TryWriteSucceeded(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>, with an answer the download kept in
    /// memory for the request (see <see cref="KeptAnswers"/>) in place of its stored result line.
    /// </summary>
    internal bool TryWriteSucceeded(ReadOnlySpan<byte> request, KeptAnswer answer)
    {
        if (_csv is null || !(_succeeded ??= new SucceededRow(_sourceColumns)).TryRead(request, answer))
        {
            return false;
        }

        WriteSucceeded();
        return true;
    }

    /// <summary>Whether rows of requests that succeeded are written from bytes (CSV and TSV), so kept answers are of use.</summary>
    internal bool WritesSucceededFromBytes => _csv is not null;

    private void WriteSucceeded()
    {
        for (var i = 0; i < _succeeded!.FieldCount; i++)
        {
            _csv!.Field(_succeeded.Field(i));
        }

        _csv!.EndRecord();
        Count++;
    }

    /// <summary>Finishes the file and moves it into place, replacing any file there.</summary>
    public void Complete()
    {
        _csv?.Flush();
        _json?.Dispose();
        _stream.Dispose(); // the rest handed over, the file to be made durable and closed
        _writes.Drain(); // done, or the write's failure thrown
        _writes.Dispose();
        AtomicFile.MoveIntoPlace(_temp, _path);
        _completed = true;
    }

    public void Dispose()
    {
        if (_completed)
        {
            return;
        }

        _json?.Dispose();
        _stream.Dispose();
        _writes.Dispose(); // lets go of the file
        File.Delete(_temp);
    }

    private void WriteCsv(CsvRowWriter csv, BatchResult result)
    {
        foreach (var column in _sourceColumns)
        {
            csv.Field(result.Source.TryGetValue(column, out var value) ? RecordValue.ToText(value) : string.Empty);
        }

        foreach (var value in ResultRows.Values(result))
        {
            csv.Field(RecordValue.ToText(value));
        }

        csv.EndRecord();
    }

    private void WriteJson(Utf8JsonWriter json, BatchResult result)
    {
        json.WriteStartObject();
        foreach (var column in _sourceColumns)
        {
            if (result.Source.TryGetValue(column, out var value))
            {
                json.WritePropertyName(column);
                RequestFile.WriteValue(json, value);
            }
        }

        var values = ResultRows.Values(result);
        for (var i = 0; i < values.Count; i++)
        {
            json.WritePropertyName(_names[i]);
            RequestFile.WriteValue(json, values[i]);
        }

        json.WritePropertyName(_names[values.Count]);
        if (result.Json is { } answer)
        {
            json.WriteRawValue(answer, skipInputValidation: true);
        }
        else
        {
            json.WriteNullValue();
        }

        json.WriteEndObject();
    }
}
