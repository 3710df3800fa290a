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
    private readonly Stream _stream;
    private readonly System.IO.MemoryMappedFiles.MemoryMappedFile? _map;
    private readonly byte[] _buffer = new byte[4096];
    private readonly MemoryStream _line = new();

    /// <param name="mapped">
    /// Map the file into memory, so that reading a line is a copy, not a seek and a read call each: for joining many
    /// lines read in an order other than the file's. Only while nothing writes the file (a mapped file cannot be
    /// truncated on Windows).
    /// </param>
    public RandomAccessLines(string path, bool mapped = false)
    {
        if (mapped && new FileInfo(path).Length > 0)
        {
            _map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
            _stream = _map.CreateViewStream(0, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
            return;
        }

        // No FileStream buffer: every read starts at a new offset, and _buffer does the buffering.
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
    /// buffer, good until the next read.
    /// </summary>
    public ArraySegment<byte> ReadBytesAt(long offset)
    {
        _stream.Seek(offset, SeekOrigin.Begin);
        _line.SetLength(0);
        int read;
        while ((read = _stream.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', 0, read);
            _line.Write(_buffer, 0, newline >= 0 ? newline : read);
            if (newline >= 0)
            {
                break;
            }
        }

        var length = (int)_line.Length;
        if (length > 0 && _line.GetBuffer()[length - 1] == '\r')
        {
            length--;
        }

        return new ArraySegment<byte>(_line.GetBuffer(), 0, length);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _map?.Dispose();
    }
}
