using System.Globalization;
using System.Text;
using BatchAI.Costs;
using BatchAI.IO;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// Encodes a CSV file's rows into <see cref="EncodedChunk"/>s straight from their UTF-8 bytes, when the prompt is a
/// template: no string, record or request is made of a good row. Everything but the custom id, the prompt, the row's
/// place and its fields is the same on every line of a job, so each line is encoded once from a request holding
/// markers in those places, and the bytes between the markers are kept (<see cref="Skeleton"/>); a row fills the
/// holes with its own bytes. Each field is escaped once, for the ledger's copy of the record and for the prompt.
/// The lines are byte for byte those <see cref="RequestEncoder"/> writes for the same row, and a bad row gets the same
/// problems in the same order (tests compare both ways on the same files). Where a marker cannot be found once and
/// only once in a line (a provider that writes the prompt twice), or the provider refuses the job's settings, there
/// is no encoder and the rows take the general way.
/// </summary>
internal sealed class CsvRowEncoder
{
    private const string IdMarker = "BatchAIx7IdMarker";
    private const long RowMarker = 900_000_000_000_001;
    private const long LineMarker = 900_000_000_000_002;
    private static readonly string PromptMarker = "\u0001P\u0001";

    private readonly IBatchProvider _provider;
    private readonly ProviderLimits _limits;
    private readonly ColumnSet _columns;
    private readonly Skeleton _requestLine;
    private readonly Skeleton _ledgerLine;
    private readonly Piece[] _prompt;
    private readonly bool _promptMayBeEmpty;
    private readonly int? _idColumn;
    private readonly byte[] _generatedId = new byte[24];
    private readonly long _constantTokens;
    private readonly RequestOptions _options;
    private readonly ByteBuffer _fields = new();
    private readonly ByteBuffer _promptBytes = new();
    private readonly ByteBuffer _line = new();
    private readonly int[] _fieldStarts;
    private readonly int[] _fieldLengths;
    private readonly long[] _fieldAscii;
    private readonly long[] _fieldOther;

    private CsvRowEncoder(IBatchProvider provider, ProviderLimits limits, RequestOptions options, ColumnSet columns, Skeleton requestLine, Skeleton ledgerLine, Piece[] prompt, long constantTokens)
    {
        _provider = provider;
        _limits = limits;
        _options = options;
        _columns = columns;
        _requestLine = requestLine;
        _ledgerLine = ledgerLine;
        _prompt = prompt;
        _promptMayBeEmpty = prompt.All(p => p.Column >= 0 || string.IsNullOrWhiteSpace(p.Text));
        _constantTokens = constantTokens;
        _idColumn = options.IdColumn is { } idColumn && columns.TryGetIndex(idColumn, out var index) ? index : null;
        _fieldStarts = new int[columns.Count];
        _fieldLengths = new int[columns.Count];
        _fieldAscii = new long[columns.Count];
        _fieldOther = new long[columns.Count];
    }

    /// <summary>An encoder for the rows of a file with these columns, or null when its rows must take the general way.</summary>
    public static CsvRowEncoder? TryCreate(IBatchProvider provider, ProviderLimits limits, RequestOptions options, ColumnSet columns)
    {
        if (options.Prompt is not { } template || columns.Count == 0 || template.MissingColumns(columns).Count > 0
            || (options.IdColumn is { } idColumn && !columns.TryGetIndex(idColumn, out _)))
        {
            return null;
        }

        var fieldMarkers = Enumerable.Range(0, columns.Count).Select(i => "\u0001F" + i.ToString(CultureInfo.InvariantCulture) + "\u0001").ToArray();
        var source = new SourceRecord(RowMarker, columns, fieldMarkers, LineMarker);
        var marked = new BatchRequest(IdMarker, source, PromptMarker, options.Model, options.SystemPrompt, options.MaxOutputTokens, options.Temperature, options.Schema);
        if (provider.Check(marked) is not null)
        {
            return null;
        }

        var line = new JsonLine();
        provider.WriteRequestLine(line, marked);
        var requestLine = Skeleton.Find(line.ToArray(), [(Quoted(IdMarker), Hole.Id), (Quoted(PromptMarker), Hole.Prompt)]);
        line.Clear();
        RequestFile.WriteAllButPart(line, marked);
        var ledgerMarkers = new List<(byte[] Marker, Hole Hole)>
        {
            (Quoted(IdMarker), Hole.Id),
            (Encoding.ASCII.GetBytes(RowMarker.ToString(CultureInfo.InvariantCulture)), Hole.Row),
            (Encoding.ASCII.GetBytes(LineMarker.ToString(CultureInfo.InvariantCulture)), Hole.Line),
            (Quoted(PromptMarker), Hole.Prompt),
        };
        ledgerMarkers.AddRange(fieldMarkers.Select((marker, i) => (Quoted(marker), Hole.Field(i))));
        var ledgerLine = Skeleton.Find(line.ToArray(), ledgerMarkers);
        if (requestLine is null || ledgerLine is null)
        {
            return null;
        }

        var prompt = template.Segments()
            .Select(s => s.IsPlaceholder ? new Piece(columns.TryGetIndex(s.Value, out var column) ? column : -1, null, 0, 0) : Piece.Literal(s.Value))
            .ToArray();
        var constantTokens = TokenEstimator.Approximate(marked) - TokenEstimator.Approximate(PromptMarker) - 4;
        return new CsvRowEncoder(provider, limits, options, columns, requestLine, ledgerLine, prompt, constantTokens);
    }

    /// <summary>Encodes the row <paramref name="csv"/> is on, or the problems that keep it out.</summary>
    public void Encode(CsvRecordSource csv, EncodedChunk chunk)
    {
        var row = csv.RowNumber;
        long? lineNumber = csv.LineNumber;

        // Each field escaped once (for the ledger's record and the prompt), checked as text would be.
        _fields.Clear();
        for (var i = 0; i < _fieldStarts.Length; i++)
        {
            var field = csv.Field(i);
            var (ascii, other) = TokenEstimator.CountUtf8(field);
            if (other > 0 && EncodingCheck.IsUndecodable(field))
            {
                chunk.AddProblems([EncodingCheck.ProblemWith(row, lineNumber, _columns.Names[i])]);
                return;
            }

            _fieldAscii[i] = ascii;
            _fieldOther[i] = other;
            _fieldStarts[i] = _fields.Length;
            _fieldLengths[i] = _fields.AppendEscaped(field);
        }

        List<RecordProblem>? problems = null;
        ReadOnlySpan<byte> id;
        if (_idColumn is { } idColumn)
        {
            id = csv.Field(idColumn);
            if (!CustomIds.IsValid(id))
            {
                var why = CustomIds.Explain(Encoding.UTF8.GetString(id.ToArray()))!;
                (problems ??= []).Add(BatchRequestFactory.CustomIdInvalid(row, lineNumber, _options.IdColumn!, why));
            }
        }
        else
        {
            id = new ReadOnlySpan<byte>(_generatedId, 0, CustomIds.ForRow(row, _generatedId));
        }

        if (_promptMayBeEmpty && PromptIsBlank(csv))
        {
            (problems ??= []).Add(BatchRequestFactory.PromptEmpty(row, lineNumber, promptColumn: null));
        }

        if (problems is not null)
        {
            chunk.AddProblems(problems);
            return;
        }

        // The prompt, escaped: literal pieces escaped once, fields as escaped above.
        _promptBytes.Clear();
        long promptAscii = 0, promptOther = 0;
        foreach (var piece in _prompt)
        {
            if (piece.Column < 0)
            {
                _promptBytes.Append(piece.Escaped!);
                promptAscii += piece.Ascii;
                promptOther += piece.Other;
            }
            else
            {
                _promptBytes.Append(_fields.Slice(_fieldStarts[piece.Column], _fieldLengths[piece.Column]));
                promptAscii += _fieldAscii[piece.Column];
                promptOther += _fieldOther[piece.Column];
            }
        }

        _line.Clear();
        Fill(_requestLine, id, row, lineNumber);
        if (_line.Length + 1 > _limits.MaxBytesPerBatch)
        {
            chunk.AddProblems([RequestEncoder.TooLarge(row, lineNumber, _line.Length, _provider.Kind, _limits.MaxBytesPerBatch)]);
            return;
        }

        var requestLine = chunk.Append(_line.Bytes);
        _line.Clear();
        Fill(_ledgerLine, id, row, lineNumber);
        ref var entry = ref chunk.AddRequest();
        entry.Row = row;
        entry.Line = lineNumber;
        entry.Id = chunk.Append(id);
        entry.RequestLine = requestLine;
        entry.LedgerLine = chunk.Append(_line.Bytes);
        entry.Tokens = TokenEstimator.Approximate(promptAscii, promptOther) + 4 + _constantTokens;
        entry.Model = _options.Model;
        entry.MaxOutputTokens = _options.MaxOutputTokens;
        entry.Schema = _options.Schema;
        entry.Columns = _columns;
    }

    private static byte[] Quoted(string text) => JsonStrings.QuoteToArray(text);

    private bool PromptIsBlank(CsvRecordSource csv)
    {
        foreach (var piece in _prompt)
        {
            if (piece.Column < 0 ? !string.IsNullOrWhiteSpace(piece.Text) : !string.IsNullOrWhiteSpace(Encoding.UTF8.GetString(csv.Field(piece.Column).ToArray())))
            {
                return false;
            }
        }

        return true;
    }

    private void Fill(Skeleton skeleton, ReadOnlySpan<byte> id, long row, long? lineNumber)
    {
        for (var i = 0; i < skeleton.Holes.Length; i++)
        {
            _line.Append(skeleton.Literals[i]);
            var hole = skeleton.Holes[i];
            switch (hole.Kind)
            {
                case HoleKind.Id:
                    _line.Append("\""u8);
                    _line.Append(id);
                    _line.Append("\""u8);
                    break;
                case HoleKind.Row:
                    _line.AppendNumber(row);
                    break;
                case HoleKind.Line:
                    _line.AppendNumber(lineNumber!.Value);
                    break;
                case HoleKind.Prompt:
                    _line.Append("\""u8);
                    _line.Append(_promptBytes.Bytes);
                    _line.Append("\""u8);
                    break;
                default:
                    _line.Append("\""u8);
                    _line.Append(_fields.Slice(_fieldStarts[hole.Column], _fieldLengths[hole.Column]));
                    _line.Append("\""u8);
                    break;
            }
        }

        _line.Append(skeleton.Literals[skeleton.Holes.Length]);
    }

    private enum HoleKind
    {
        Id,
        Row,
        Line,
        Prompt,
        Field,
    }

    private readonly struct Hole(HoleKind kind, int column = -1)
    {
        public static readonly Hole Id = new(HoleKind.Id);
        public static readonly Hole Row = new(HoleKind.Row);
        public static readonly Hole Line = new(HoleKind.Line);
        public static readonly Hole Prompt = new(HoleKind.Prompt);

        public HoleKind Kind { get; } = kind;

        public int Column { get; } = column;

        public static Hole Field(int column) => new(HoleKind.Field, column);
    }

    /// <summary>A piece of the template: literal text (escaped once, its characters counted) or a column (<see cref="Column"/> from 0).</summary>
    private sealed class Piece(int column, string? text, long ascii, long other)
    {
        public int Column { get; } = column;

        public string? Text { get; } = text;

        public byte[]? Escaped { get; } = text is null ? null : Unquoted(JsonStrings.QuoteToArray(text));

        public long Ascii { get; } = ascii;

        public long Other { get; } = other;

        public static Piece Literal(string text)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            var (ascii, other) = TokenEstimator.CountUtf8(utf8);
            return new Piece(-1, text, ascii, other);
        }

        private static byte[] Unquoted(byte[] quoted) => quoted.AsSpan(1, quoted.Length - 2).ToArray();
    }

    /// <summary>A line's bytes around its holes: literal 0, hole 0, literal 1, ... the last literal.</summary>
    private sealed class Skeleton(byte[][] literals, Hole[] holes)
    {
        public byte[][] Literals { get; } = literals;

        public Hole[] Holes { get; } = holes;

        /// <summary>The skeleton of <paramref name="line"/>, or null when a marker is not there exactly once.</summary>
        public static Skeleton? Find(byte[] line, IReadOnlyList<(byte[] Marker, Hole Hole)> markers)
        {
            var found = new List<(int At, int Length, Hole Hole)>();
            foreach (var (marker, hole) in markers)
            {
                var at = line.AsSpan().IndexOf(marker);
                if (at < 0 || line.AsSpan(at + 1).IndexOf(marker) >= 0)
                {
                    return null;
                }

                found.Add((at, marker.Length, hole));
            }

            found.Sort((a, b) => a.At.CompareTo(b.At));
            var literals = new List<byte[]>();
            var position = 0;
            foreach (var (at, length, _) in found)
            {
                if (at < position)
                {
                    return null; // markers overlap
                }

                literals.Add(line.AsSpan(position, at - position).ToArray());
                position = at + length;
            }

            literals.Add(line.AsSpan(position).ToArray());
            return new Skeleton(literals.ToArray(), found.Select(f => f.Hole).ToArray());
        }
    }

    /// <summary>A growing byte buffer for the pieces of one row.</summary>
    private sealed class ByteBuffer
    {
        private byte[] _bytes = new byte[1024];

        public int Length { get; private set; }

        public ReadOnlySpan<byte> Bytes => new(_bytes, 0, Length);

        public void Clear() => Length = 0;

        public ReadOnlySpan<byte> Slice(int start, int length) => new(_bytes, start, length);

        public void Append(ReadOnlySpan<byte> bytes)
        {
            Reserve(bytes.Length);
            bytes.CopyTo(new Span<byte>(_bytes, Length, bytes.Length));
            Length += bytes.Length;
        }

        public void AppendNumber(long value)
        {
            Reserve(20);
            System.Buffers.Text.Utf8Formatter.TryFormat(value, new Span<byte>(_bytes, Length, 20), out var written);
            Length += written;
        }

        /// <summary>Appends <paramref name="utf8"/> escaped for a JSON string, without quotes; returns the bytes appended.</summary>
        public int AppendEscaped(ReadOnlySpan<byte> utf8)
        {
            Reserve((utf8.Length * 6) + 2);
            var written = JsonStrings.Quote(utf8, new Span<byte>(_bytes, Length, _bytes.Length - Length));

            // Quote wrote the quotes too: keep what is between them.
            new Span<byte>(_bytes, Length + 1, written - 2).CopyTo(new Span<byte>(_bytes, Length, written - 2));
            Length += written - 2;
            return written - 2;
        }

        private void Reserve(int more)
        {
            if (Length + more > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Length + more));
            }
        }
    }
}
