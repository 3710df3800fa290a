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

/// <summary>
/// Line-by-line access to JSONL files by byte offset: a forward pass that notes where each line starts (here), and
/// reading lines back from their offsets (<see cref="RandomAccessLines"/>). This is how results that arrive in any order are joined without holding them all.
/// Shared by the engine (its results file) and the emulator (batch input files), each compiling its own copy.
/// </summary>
internal static class LineFiles
{
    /// <summary>
    /// Every line of <paramref name="stream"/> in order, a trailing CR dropped. A last line without a line break is
    /// included only when <paramref name="includeUnterminatedLast"/> is set (the engine leaves out a line cut short by
    /// a crash; an input file need not end with a line break).
    /// </summary>
    public static IEnumerable<FileLine> Read(Stream stream, bool includeUnterminatedLast)
    {
        var buffer = new byte[1 << 16];
        var pending = new MemoryStream();
        long position = 0;
        long lineStart = 0;
        var number = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var from = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', from, read - from)) >= 0)
            {
                pending.Write(buffer, from, newline - from);
                yield return new FileLine(++number, lineStart, Take(pending));
                from = newline + 1;
                lineStart = position + from;
            }

            pending.Write(buffer, from, read - from);
            position += read;
        }

        if (includeUnterminatedLast && pending.Length > 0)
        {
            yield return new FileLine(++number, lineStart, Take(pending));
        }
    }

    private static byte[] Take(MemoryStream pending)
    {
        var length = (int)pending.Length;
        if (length > 0 && pending.GetBuffer()[length - 1] == '\r')
        {
            length--;
        }

        var bytes = new byte[length];
        Buffer.BlockCopy(pending.GetBuffer(), 0, bytes, 0, length);
        pending.SetLength(0);
        return bytes;
    }
}

/// <summary>
/// Reads lines back by their byte offsets (from <see cref="LineFiles.Read"/>), in any order. One instance reuses its
/// buffers, so joining a million results allocates a string per line and nothing else.
/// </summary>
internal sealed class RandomAccessLines : IDisposable
{
    /// <summary>What one read takes when lines are read forward, in the file's order: many lines per read call.</summary>
    private const int AheadRead = 1 << 16;

    /// <summary>What one read takes when lines are read out of order: about one line, not a wasted window.</summary>
    private const int JumpRead = 1 << 12;

    private readonly FileStream _stream;
    private byte[] _window = new byte[AheadRead];
    private long _windowStart;
    private int _windowLength;
    private long _lastEnd;

    public RandomAccessLines(string path)
    {
        // No FileStream buffer: the window below is the buffer, and every refill starts at a new offset.
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
    /// buffer, good until the next read. Lines read in the file's order (a join of results that came back in input
    /// order) come from one window read ahead, one read call per many lines; a line elsewhere costs one small read.
    /// </summary>
    public ArraySegment<byte> ReadBytesAt(long offset)
    {
        var ahead = offset >= _lastEnd;
        if (!TryFind(offset, out var start, out var length))
        {
            Fill(offset, ahead ? AheadRead : JumpRead);
            while (!TryFind(offset, out start, out length))
            {
                if (!Extend())
                {
                    start = 0;
                    length = _windowLength; // the last line, with no newline after it
                    break;
                }
            }
        }

        _lastEnd = offset + length;
        if (length > 0 && _window[start + length - 1] == '\r')
        {
            length--;
        }

        return new ArraySegment<byte>(_window, start, length);
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Whether the window holds the whole line at <paramref name="offset"/> (up to its newline).</summary>
    private bool TryFind(long offset, out int start, out int length)
    {
        start = (int)Math.Min(Math.Max(offset - _windowStart, -1), int.MaxValue);
        length = 0;
        if (offset < _windowStart || start >= _windowLength)
        {
            return false;
        }

        var newline = Array.IndexOf(_window, (byte)'\n', start, _windowLength - start);
        length = newline - start;
        return newline >= 0;
    }

    private void Fill(long offset, int size)
    {
        _stream.Seek(offset, SeekOrigin.Begin);
        _windowStart = offset;
        _windowLength = 0;
        ReadInto(Math.Min(size, _window.Length));
    }

    /// <summary>Reads more after the window (doubling it when full, for a line longer than it); false at the end of the file.</summary>
    private bool Extend()
    {
        if (_windowLength == _window.Length)
        {
            Array.Resize(ref _window, _window.Length * 2);
        }

        _stream.Seek(_windowStart + _windowLength, SeekOrigin.Begin);
        return ReadInto(_window.Length - _windowLength) > 0;
    }

    private int ReadInto(int count)
    {
        var total = 0;
        int read;
        while (total < count && (read = _stream.Read(_window, _windowLength, count - total)) > 0)
        {
            _windowLength += read;
            total += read;
        }

        return total;
    }
}
