using System.Runtime.InteropServices;
using System.Text.Json;
using BatchAI.IO;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// The job's requests, one JSON line each, in input order: the custom id, where the record came from, which part
/// it went into, the request itself and its source record. Written once at submit; read to join results back.
/// </summary>
internal static class RequestFile
{
    public static void Write(JsonLine line, BatchRequest request, int part)
    {
        WriteAllButPart(line, request);
        line.Number(Names.Part, part);
        line.EndObject();
    }

    /// <summary>
    /// The line without its part and closing brace: all that is known before the draft places the request (the
    /// part comes last so that the rest can be encoded ahead, on another thread). <see cref="EndWithPart"/> ends it.
    /// </summary>
    public static void WriteAllButPart(JsonLine line, BatchRequest request)
    {
        line.StartObject();
        line.Text(Names.Id, request.CustomId);
        line.Number(Names.Row, request.RowNumber);
        if (request.Source.LineNumber is { } number)
        {
            line.Number(Names.Line, number);
        }

        line.Text(Names.Model, request.Model);
        if (request.SystemPrompt is { } system)
        {
            line.Text(Names.System, system);
        }

        line.Text(Names.Prompt, request.Prompt);
        if (request.MaxOutputTokens is { } maxTokens)
        {
            line.Number(Names.MaxTokens, maxTokens);
        }

        if (request.Temperature is { } temperature)
        {
            line.Number(Names.Temperature, temperature);
        }

        if (request.Schema is { } schema)
        {
            line.Text(Names.Schema, schema.Id);
        }

        line.StartObject(Names.Source);
        var names = request.Source.Columns.JsonNames;
        var values = request.Source.Values;
        for (var i = 0; i < names.Count; i++)
        {
            line.Name(names[i]);
            line.Value(values[i], WriteValue);
        }

        line.EndObject();
    }

    /// <summary>Writes the end of a line begun by <see cref="WriteAllButPart"/>: the part, the closing brace and the newline.</summary>
    public static void EndWithPart(Stream stream, int part)
    {
        var end = PartSuffix;
        var length = PartName.Length;
        System.Buffers.Text.Utf8Formatter.TryFormat(part, new Span<byte>(end, length, end.Length - length), out var digits);
        length += digits;
        end[length++] = (byte)'}';
        end[length++] = (byte)'\n';
        stream.Write(end, 0, length);
    }

    public static void WriteValue(Utf8JsonWriter writer, object? value) => RecordValue.WriteJson(writer, value);

    /// <summary>Streams the stored requests in input order, each whole (to send it again).</summary>
    public static IEnumerable<StoredRequest> Read(string path) => Lines(path, withRequest: true).Cast<StoredRequest>();

    /// <summary>
    /// Streams the stored records in input order: id, part, schema and source record, what a join needs. The request's
    /// prompt and settings are passed over unread (they are most of each line).
    /// </summary>
    public static IEnumerable<StoredRecord> ReadRecords(string path) => Lines(path, withRequest: false);

    /// <summary>
    /// Streams the stored request lines in input order, each with only its id and part read: the rest is read by a
    /// <see cref="RecordReader"/> when needed (a join into a CSV file mostly writes from the bytes).
    /// </summary>
    /// <param name="path">The requests file.</param>
    /// <param name="copies">
    /// Each line's bytes a copy of its own; otherwise a view of the reading buffer, good until the next line is asked for.
    /// </param>
    public static IEnumerable<StoredLine> ReadLines(string path, bool copies = true) => Parsed(path, (bytes, number) =>
    {
        var (id, part) = IdAndPart(bytes.Span);
        return new StoredLine(copies ? bytes.ToArray() : bytes, number, id, part);
    });

    /// <summary>The line's id and part, read up to where both are known ("id" is written first, "part" fourth).</summary>
    private static (string Id, int Part) IdAndPart(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        string? id = null;
        int? part = null;
        reader.Read(); // the line's object
        while ((id is null || part is null) && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("part"u8))
            {
                reader.Read();
                part = reader.GetInt32();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (id ?? throw new InvalidDataException("it has no id."), part ?? 0);
    }

    private static BatchAIException Damaged(string path, int number, Exception error) =>
        new(ErrorKind.Protocol, "JobRequestsCorrupt", $"Line {number} of the job's requests file ({path}) is damaged: {error.Message}");

    /// <summary>Reads the records of stored lines (<see cref="ReadLines"/>) as <see cref="ReadRecords"/> does.</summary>
    internal sealed class RecordReader(string path)
    {
        private readonly StoredRequestReader _reader = new();

        public StoredRecord Read(StoredLine line)
        {
            try
            {
                return _reader.Parse(line.Bytes, withRequest: false);
            }
            catch (Exception error) when (LedgerJson.IsDamage(error))
            {
                throw Damaged(path, line.Number, error);
            }
        }
    }

    private static IEnumerable<StoredRecord> Lines(string path, bool withRequest)
    {
        var reader = new StoredRequestReader();
        return Parsed(path, (bytes, _) => reader.Parse(bytes, withRequest));
    }

    /// <summary>
    /// Each non-empty line of the requests file, parsed by <paramref name="parse"/> from its UTF-8 bytes as read (a
    /// view of the reading buffer, good only during the call; no string is made of a whole line), with its number; a
    /// line that does not parse is named by its number.
    /// </summary>
    private static IEnumerable<T> Parsed<T>(string path, Func<ReadOnlyMemory<byte>, int, T> parse)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var number = 0;
        foreach (var line in IO.LineFiles.View(stream, includeUnterminatedLast: true))
        {
            number++;
            if (line.Bytes.Length == 0)
            {
                continue;
            }

            T parsed;
            try
            {
                parsed = parse(line.Bytes, number);
            }
            catch (Exception error) when (LedgerJson.IsDamage(error))
            {
                throw Damaged(path, number, error);
            }

            yield return parsed;
        }
    }

    /// <summary>
    /// Parses stored request lines token by token (a join reads a million of them). Consecutive records with the same
    /// columns share one <see cref="ColumnSet"/>, as they did when read, and their names are compared as bytes, not
    /// made into strings again.
    /// </summary>
    private static readonly byte[] PartName = ",\"part\":"u8.ToArray();

    [ThreadStatic]
    private static byte[]? t_partSuffix;

    private static byte[] PartSuffix => t_partSuffix ??= PartName.Concat(new byte[16]).ToArray();

    /// <summary>The line's property names, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonName Id = JsonName.Of("id");
        public static readonly JsonName Row = JsonName.Of("row");
        public static readonly JsonName Line = JsonName.Of("line");
        public static readonly JsonName Part = JsonName.Of("part");
        public static readonly JsonName Model = JsonName.Of("model");
        public static readonly JsonName System = JsonName.Of("system");
        public static readonly JsonName Prompt = JsonName.Of("prompt");
        public static readonly JsonName MaxTokens = JsonName.Of("maxTokens");
        public static readonly JsonName Temperature = JsonName.Of("temperature");
        public static readonly JsonName Schema = JsonName.Of("schema");
        public static readonly JsonName Source = JsonName.Of("source");
    }

    private sealed class StoredRequestReader
    {
        private static readonly string[] Names = ["id", "row", "line", "part", "schema", "model", "prompt", "system", "maxTokens", "temperature"];
        private static readonly byte[][] NameBytes = Names.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();

        private readonly List<object?> _values = [];
        private ColumnSet? _columns;

        public StoredRecord Parse(ReadOnlyMemory<byte> utf8, bool withRequest)
        {
            var reader = new Utf8JsonReader(utf8.Span);
            string? id = null, model = null, schema = null, prompt = null, system = null;
            long row = 0;
            long? line = null;
            int part = 0;
            int? maxTokens = null;
            double? temperature = null;
            SourceRecord? source = null;
            reader.Read(); // the line's object
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("source"u8))
                {
                    reader.Read();
                    source = ReadSource(ref reader, utf8, row, line);
                    continue;
                }

                var name = KnownName(ref reader);
                reader.Read();
                switch (name)
                {
                    case "id": id = reader.GetString(); break;
                    case "row": row = reader.GetInt64(); break;
                    case "line": line = reader.GetInt64(); break;
                    case "part": part = reader.GetInt32(); break;
                    case "schema": schema = reader.GetString(); break;
                    case "model" when withRequest: model = reader.GetString(); break;
                    case "prompt" when withRequest: prompt = reader.GetString(); break;
                    case "system" when withRequest: system = reader.GetString(); break;
                    case "maxTokens" when withRequest: maxTokens = reader.GetInt32(); break;
                    case "temperature" when withRequest: temperature = reader.GetDouble(); break;
                    default: reader.Skip(); break;
                }
            }

            if (!withRequest)
            {
                return new StoredRecord
                {
                    CustomId = id ?? throw Corrupt("id"),
                    Part = part,
                    SchemaId = schema,
                    Source = source ?? throw Corrupt("source"),
                };
            }

            return new StoredRequest
            {
                CustomId = id ?? throw Corrupt("id"),
                Part = part,
                Model = model ?? throw Corrupt("model"),
                SchemaId = schema,
                Prompt = prompt ?? string.Empty,
                SystemPrompt = system,
                MaxOutputTokens = maxTokens,
                Temperature = temperature,
                Source = source ?? throw Corrupt("source"),
            };
        }

        /// <summary>
        /// The name of the property the reader is at when it is one this reader takes, as one of the constant strings
        /// below (the switch above compares them); null for any other. No string is made per property per line.
        /// </summary>
        private static string? KnownName(ref Utf8JsonReader reader)
        {
            for (var i = 0; i < Names.Length; i++)
            {
                if (reader.ValueTextEquals(NameBytes[i]))
                {
                    return Names[i];
                }
            }

            return null;
        }

        /// <summary>The source record; "source" is written after "row" and "line", so both are known here.</summary>
        private SourceRecord ReadSource(ref Utf8JsonReader reader, ReadOnlyMemory<byte> utf8, long row, long? line)
        {
            _values.Clear();
            List<string>? names = null; // made only when the columns differ from the previous record's
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = _values.Count;
                if (names is null && !(_columns is not null && index < _columns.Count && reader.ValueTextEquals(_columns.Names[index])))
                {
                    names = _columns is null ? [] : [.. _columns.Names.Take(index)];
                }

                names?.Add(reader.GetString()!);
                reader.Read();
                _values.Add(reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    JsonTokenType.Null => null,
                    _ => new JsonText(RawValue(ref reader, utf8)),
                });
            }

            if (names is not null)
            {
                _columns = new ColumnSet(names);
            }
            else if (_columns is null || _columns.Count != _values.Count)
            {
                _columns = new ColumnSet(_columns?.Names.Take(_values.Count) ?? []); // the previous columns' first ones
            }

            return new SourceRecord(row, _columns, _values, line);
        }

        /// <summary>A number, object or array exactly as written.</summary>
        private static string RawValue(ref Utf8JsonReader reader, ReadOnlyMemory<byte> utf8)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            MemoryMarshal.TryGetArray(utf8, out var line); // the lines are views of an array
            return System.Text.Encoding.UTF8.GetString(line.Array!, line.Offset + start, (int)reader.BytesConsumed - start);
        }

        private static InvalidDataException Corrupt(string field) => new($"it has no {field}.");
    }
}

/// <summary>A stored request line as read: its bytes (see <see cref="RequestFile.ReadLines"/>), its line number, id and part.</summary>
internal sealed class StoredLine(ReadOnlyMemory<byte> bytes, int number, string customId, int part)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    public int Number { get; } = number;

    public string CustomId { get; } = customId;

    public int Part { get; } = part;
}

/// <summary>What receiving needs of a stored request: its id, part, schema and source record.</summary>
internal class StoredRecord
{
    public string CustomId { get; init; } = string.Empty;

    public int Part { get; init; }

    public string? SchemaId { get; init; }

    public SourceRecord Source { get; init; } = null!;
}

/// <summary>A stored request whole: its record, and the request as it was made.</summary>
internal sealed class StoredRequest : StoredRecord
{
    public string Model { get; init; } = string.Empty;

    public string Prompt { get; init; } = string.Empty;

    public string? SystemPrompt { get; init; }

    public int? MaxOutputTokens { get; init; }

    public double? Temperature { get; init; }

    /// <summary>The request again, as it was made (its schema read back from the job's schemas folder).</summary>
    public BatchRequest ToRequest(Func<string, ResponseSchema> schema) =>
        new(CustomId, Source, Prompt, Model, SystemPrompt, MaxOutputTokens, Temperature, SchemaId is null ? null : schema(SchemaId));
}
