using System.Globalization;
using BatchAI.Costs;
using BatchAI.IO;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// Requests encoded for a <see cref="JobDraft"/>, up to <see cref="Capacity"/> at a time, in input order: each
/// request's provider line and ledger line as UTF-8 bytes in one buffer, with what the draft needs to place it (its
/// id, its estimated tokens, its model), or the problems that keep a record out. Encoding is the part of adding a
/// request that needs nothing of the draft's state, so a file's records are read, built and encoded on one thread
/// while the draft places the chunk before on another (<see cref="RecordSubmission"/>). Chunks are reused: nothing
/// made per request outlives the chunk it was encoded in, and nothing but the chunk passes between the threads.
/// </summary>
internal sealed class EncodedChunk
{
    public const int Capacity = 512;

    private readonly Entry[] _entries = new Entry[Capacity];
    private byte[] _bytes = new byte[1 << 18];
    private int _used;

    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    public ref readonly Entry this[int index] => ref _entries[index];

    public void Clear()
    {
        Array.Clear(_entries, 0, Count);
        Count = 0;
        _used = 0;
    }

    /// <summary>The bytes of an entry's line or id (a range it holds).</summary>
    public ReadOnlySpan<byte> Bytes(ByteRange range) => new(_bytes, range.Start, range.Length);

    /// <summary>The same bytes as an array and offset, for streams.</summary>
    public byte[] Buffer => _bytes;

    /// <summary>A record that is not sent, with every reason.</summary>
    public void AddProblems(IReadOnlyList<RecordProblem> problems) => _entries[Count++] = new Entry { Problems = problems };

    internal ref Entry AddRequest() => ref _entries[Count++];

    internal ByteRange Append(ReadOnlySpan<byte> bytes)
    {
        if (_used + bytes.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + bytes.Length));
        }

        bytes.CopyTo(new Span<byte>(_bytes, _used, bytes.Length));
        var range = new ByteRange(_used, bytes.Length);
        _used += bytes.Length;
        return range;
    }

    internal ByteRange AppendAscii(string text)
    {
        if (_used + text.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + text.Length));
        }

        for (var i = 0; i < text.Length; i++)
        {
            _bytes[_used + i] = (byte)text[i];
        }

        var range = new ByteRange(_used, text.Length);
        _used += text.Length;
        return range;
    }

    /// <summary>Where an entry's bytes are in the chunk's buffer.</summary>
    internal readonly struct ByteRange(int start, int length)
    {
        public int Start { get; } = start;

        public int Length { get; } = length;
    }

    /// <summary>One encoded request, or a record left out (<see cref="Problems"/>).</summary>
    internal struct Entry
    {
        public IReadOnlyList<RecordProblem>? Problems;

        public long Row;

        public long? Line;

        /// <summary>The custom id's ASCII bytes.</summary>
        public ByteRange Id;

        /// <summary>The provider's request line, without its newline.</summary>
        public ByteRange RequestLine;

        /// <summary>The ledger's line up to the part it goes into (see <see cref="RequestFile.WriteAllButPart"/>).</summary>
        public ByteRange LedgerLine;

        public long Tokens;

        public string Model;

        public int? MaxOutputTokens;

        public ResponseSchema? Schema;

        public ColumnSet Columns;
    }
}

/// <summary>Encodes requests into <see cref="EncodedChunk"/>s for one draft's provider; one encoder per thread.</summary>
internal sealed class RequestEncoder(IBatchProvider provider, ProviderLimits limits)
{
    private readonly JsonLine _line = new();

    public void Encode(BatchRequest request, EncodedChunk chunk)
    {
        if (provider.Check(request) is { } refused)
        {
            chunk.AddProblems([refused]);
            return;
        }

        // Encode first: a request refused for its size never claims its custom id.
        _line.Clear();
        provider.WriteRequestLine(_line, request);
        if (_line.Length + 1 > limits.MaxBytesPerBatch)
        {
            chunk.AddProblems([TooLarge(request.RowNumber, request.Source.LineNumber, _line.Length, provider.Kind, limits.MaxBytesPerBatch)]);
            return;
        }

        var requestLine = chunk.Append(_line.Bytes);
        _line.Clear();
        RequestFile.WriteAllButPart(_line, request);
        ref var entry = ref chunk.AddRequest();
        entry.Row = request.RowNumber;
        entry.Line = request.Source.LineNumber;
        entry.Id = chunk.AppendAscii(request.CustomId);
        entry.RequestLine = requestLine;
        entry.LedgerLine = chunk.Append(_line.Bytes);
        entry.Tokens = TokenEstimator.Approximate(request);
        entry.Model = request.Model;
        entry.MaxOutputTokens = request.MaxOutputTokens;
        entry.Schema = request.Schema;
        entry.Columns = request.Source.Columns;
    }

    /// <summary>The encoder for a CSV file's rows straight from their bytes, when the job allows one (see <see cref="CsvRowEncoder"/>).</summary>
    public CsvRowEncoder? ForCsvRows(RequestOptions options, ColumnSet columns) => CsvRowEncoder.TryCreate(provider, limits, options, columns);

    internal static RecordProblem TooLarge(long row, long? line, int bytes, ProviderKind provider, long maxBytes) =>
        new(row, line, null, "RequestTooLarge", string.Format(CultureInfo.InvariantCulture, "the request is {0:N0} bytes; one {1} batch holds at most {2:N0}", bytes, provider, maxBytes));
}
