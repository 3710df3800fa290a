using System.Globalization;
using System.Text.Json;
using BatchAI.Hosting;
using BatchAI.IO;
using BatchAI.Requests;
using CsvHelper;

namespace BatchAI.Jobs;

/// <summary>
/// Writes received results as CSV, TSV or JSONL: one row per input record, its source columns exactly as they were,
/// then <c>custom_id, status, output, error, input_tokens, output_tokens</c> (JSONL adds <c>output_json</c>, the
/// answer as JSON when it is JSON). A source column that already has one of those names keeps it, and ours is
/// prefixed <c>batchai_</c>. The file appears only when complete.
/// </summary>
public sealed class ResultFileWriter : IDisposable
{
    public const string CollisionPrefix = "batchai_";
    private static readonly string[] OwnColumns = ["custom_id", "status", "output", "error", "input_tokens", "output_tokens"];

    private readonly string _path;
    private readonly string _temp;
    private readonly IReadOnlyList<string> _sourceColumns;
    private readonly FileStream _stream;
    private readonly CsvWriter? _csv;
    private readonly Utf8JsonWriter? _json;
    private readonly string[] _names;
    private bool _completed;

    private ResultFileWriter(string path, IReadOnlyList<string> sourceColumns, RecordFormat format, IEngineReporter reporter)
    {
        _path = Path.GetFullPath(path);
        _sourceColumns = sourceColumns;
        var own = format == RecordFormat.Jsonl ? [.. OwnColumns, "output_json"] : OwnColumns;
        _names = own.Select(n => sourceColumns.Contains(n, StringComparer.OrdinalIgnoreCase) ? CollisionPrefix + n : n).ToArray();
        foreach (var renamed in _names.Where(n => n.StartsWith(CollisionPrefix, StringComparison.Ordinal)))
        {
            reporter.Warning($"The input has a column named '{renamed.Substring(CollisionPrefix.Length)}', so the result's column is named '{renamed}'.");
        }

        Header = [.. sourceColumns, .. _names];
        var folder = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(folder);
        _temp = AtomicFile.TempPathFor(_path);
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        if (format == RecordFormat.Jsonl)
        {
            _json = new Utf8JsonWriter(_stream, LedgerJson.WriterOptions);
        }
        else
        {
            _csv = CsvWriter.Create(_stream, CsvHelperOptions.Writer(format == RecordFormat.Tsv ? '\t' : ','), leaveOpen: true);

            // Field by field: CsvWriter.WriteHeader takes string[] in CsvHelper's netstandard2.0 build but not in its
            // net10.0 build (see CsvHelperOptions).
            foreach (var name in Header)
            {
                _csv.WriteField(name);
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
            WriteJson(_json, result);
        }
        else
        {
            WriteCsv(_csv!, result);
        }

        Count++;
    }

    /// <summary>Finishes the file and moves it into place, replacing any file there.</summary>
    public void Complete()
    {
        if (_csv is not null)
        {
            _csv.Dispose();
        }

        _json?.Dispose();
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        AtomicFile.MoveIntoPlace(_temp, _path);
        _completed = true;
    }

    public void Dispose()
    {
        if (_completed)
        {
            return;
        }

        _csv?.Dispose();
        _json?.Dispose();
        _stream.Dispose();
        File.Delete(_temp);
    }

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    private void WriteCsv(CsvWriter csv, BatchResult result)
    {
        foreach (var column in _sourceColumns)
        {
            csv.WriteField(result.Source.TryGetValue(column, out var value) ? RecordValue.ToText(value) : string.Empty);
        }

        csv.WriteField(result.CustomId);
        csv.WriteField(result.Status.ToString());
        csv.WriteField(result.Output ?? string.Empty);
        csv.WriteField(result.Error ?? string.Empty);
        csv.WriteField(Number(result.InputTokens));
        csv.WriteField(Number(result.OutputTokens));
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

        json.WriteString(_names[0], result.CustomId);
        json.WriteString(_names[1], result.Status.ToString());
        WriteNullable(json, _names[2], result.Output);
        WriteNullable(json, _names[3], result.Error);
        WriteNullable(json, _names[4], result.InputTokens);
        WriteNullable(json, _names[5], result.OutputTokens);
        json.WritePropertyName(_names[6]);
        if (result.Json is { } answer)
        {
            json.WriteRawValue(answer, skipInputValidation: true);
        }
        else
        {
            json.WriteNullValue();
        }

        json.WriteEndObject();
        json.Flush();
        _stream.WriteByte((byte)'\n');
        json.Reset(_stream);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
