using System.Text;

namespace BatchAI.IO;

/// <summary>One line of a file: its 1-based number, the byte offset where it starts, and its bytes (no line break).</summary>
internal readonly struct FileLine(int number, long offset, byte[] bytes)
{
    public int Number { get; } = number;

    public long Offset { get; } = offset;

    public byte[] Bytes { get; } = bytes;

    public string Text => Encoding.UTF8.GetString(Bytes);
}

/// <summary>A line as a view of the reader's buffer: good until the next line is read.</summary>
internal readonly struct LineView(long offset, ReadOnlyMemory<byte> bytes)
{
    public long Offset { get; } = offset;

    public ReadOnlyMemory<byte> Bytes { get; } = bytes;
}

/// <summary>
/// Line-by-line access to JSONL files by byte offset: a forward pass that notes where each line starts (here), and
/// reading lines back from their offsets (<see cref="RandomAccessLines"/>). This is how results that arrive in any order are joined without holding them all.
/// Shared by the engine (its results file) and the emulator (batch input files), each compiling its own copy.
/// </summary>
internal static class LineFiles
{
    /// <summary>
    /// Every line of <paramref name="stream"/> in order, a trailing CR dropped, each in an array of its own. A last
    /// line without a line break is included only when <paramref name="includeUnterminatedLast"/> is set (the engine
    /// leaves out a line cut short by a crash; an input file need not end with a line break).
    /// </summary>
    public static IEnumerable<FileLine> Read(Stream stream, bool includeUnterminatedLast)
    {
        var number = 0;
        foreach (var line in View(stream, includeUnterminatedLast))
        {
            yield return new FileLine(++number, line.Offset, line.Bytes.ToArray());
        }
    }

    /// <summary>
    /// Like <see cref="Read"/>, but each line is a view of one reused buffer, good until the next: for passes over a
    /// whole ledger file that parse each line at once and keep nothing of it (no array per line to collect).
    /// </summary>
    public static IEnumerable<LineView> View(Stream stream, bool includeUnterminatedLast)
    {
        var buffer = new byte[1 << 16];
        var start = 0; // where the current line starts in the buffer
        var end = 0; // how much of the buffer is filled
        long position = 0; // the file offset of buffer[0]
        int read;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                yield return new LineView(position + start, Trimmed(buffer, start, newline));
                start += newline + 1;
                continue;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                position += start;
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2); // a line longer than the buffer
            }

            if ((read = stream.Read(buffer, end, buffer.Length - end)) == 0)
            {
                break;
            }

            end += read;
        }

        if (includeUnterminatedLast && end > start)
        {
            yield return new LineView(position + start, Trimmed(buffer, start, end - start));
        }
    }

    private static ReadOnlyMemory<byte> Trimmed(byte[] buffer, int start, int length) =>
        new(buffer, start, length > 0 && buffer[start + length - 1] == '\r' ? length - 1 : length);
}

/// <summary>
/// Reads lines back by their byte offsets (from <see cref="LineFiles.Read"/>), in any order. One instance reuses its
/// buffers, so joining a million results allocates a string per line and nothing else.
/// </summary>
internal sealed class RandomAccessLines : IDisposable
{
    /// <summary>The unit read from the file and kept.</summary>
    private const int BlockSize = 1 << 16;

    /// <summary>
    /// Blocks kept, least recently used dropped first: 32 MB, enough to hold a whole provider batch's results, which
    /// come back in their own order (OpenAI's are shuffled) but next to each other in the results file.
    /// </summary>
    private const int MaxBlocks = 512;

    private readonly FileStream _stream;
    private readonly Dictionary<long, LinkedListNode<Block>> _blocks = [];
    private readonly LinkedList<Block> _recent = new();
    private readonly MemoryStream _line = new();

    public RandomAccessLines(string path)
    {
        // No FileStream buffer: the blocks below are the buffer.
        // ReadWrite sharing: a job's results file may be appended to (only past what is read here) while it is read.
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.RandomAccess);
    }

    /// <summary>The line that starts at <paramref name="offset"/>, a trailing CR dropped.</summary>
    public string ReadAt(long offset)
    {
        var bytes = ReadBytesAt(offset);
        return Encoding.UTF8.GetString(bytes.Array!, bytes.Offset, bytes.Count);
    }

    /// <summary>
    /// The bytes of the line that starts at <paramref name="offset"/>, a trailing CR dropped: a view of this reader's
    /// buffers, good until the next read. The file is read in 64 KB blocks, and the most recent ones are kept, so
    /// lines read near each other in any order cost one read call per block, not one per line.
    /// </summary>
    public ArraySegment<byte> ReadBytesAt(long offset)
    {
        var number = offset / BlockSize;
        var start = (int)(offset % BlockSize);
        var block = BlockAt(number);
        var newline = start < block.Length ? Array.IndexOf(block.Bytes, (byte)'\n', start, block.Length - start) : -1;
        if (newline >= 0)
        {
            return Trimmed(block.Bytes, start, newline - start);
        }

        // The line goes on in the next blocks (or ends the file).
        _line.SetLength(0);
        if (start < block.Length)
        {
            _line.Write(block.Bytes, start, block.Length - start);
        }

        while (block.Length == BlockSize)
        {
            block = BlockAt(++number);
            newline = Array.IndexOf(block.Bytes, (byte)'\n', 0, block.Length);
            _line.Write(block.Bytes, 0, newline >= 0 ? newline : block.Length);
            if (newline >= 0)
            {
                break;
            }
        }

        return Trimmed(_line.GetBuffer(), 0, (int)_line.Length);
    }

    public void Dispose() => _stream.Dispose();

    private static ArraySegment<byte> Trimmed(byte[] bytes, int start, int length) =>
        new(bytes, start, length > 0 && bytes[start + length - 1] == '\r' ? length - 1 : length);

    /// <summary>
    /// The block, from the cache when it holds all of it. A block shorter than a whole one was the end of the file
    /// when read, and the file may have grown since (results are appended): it is read again.
    /// </summary>
    private Block BlockAt(long number)
    {
        if (_blocks.TryGetValue(number, out var node))
        {
            _recent.Remove(node);
            _recent.AddFirst(node);
            if (node.Value.Length == BlockSize)
            {
                return node.Value;
            }
        }
        else
        {
            var bytes = _recent.Count >= MaxBlocks ? Evict() : new byte[BlockSize];
            node = _recent.AddFirst(new Block(number, bytes));
            _blocks[number] = node;
        }

        var block = node.Value;
        _stream.Seek(number * BlockSize, SeekOrigin.Begin);
        block.Length = 0;
        int read;
        while (block.Length < BlockSize && (read = _stream.Read(block.Bytes, block.Length, BlockSize - block.Length)) > 0)
        {
            block.Length += read;
        }

        return block;
    }

    private byte[] Evict()
    {
        var oldest = _recent.Last!;
        _recent.RemoveLast();
        _blocks.Remove(oldest.Value.Number);
        return oldest.Value.Bytes;
    }

    private sealed class Block(long number, byte[] bytes)
    {
        public long Number { get; } = number;

        public byte[] Bytes { get; } = bytes;

        public int Length { get; set; }
    }
}
