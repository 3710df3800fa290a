using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>Appends results to a job's results file, durably, one complete line at a time.</summary>
internal sealed class ResultAppender : IDisposable
{
    private readonly FileStream _stream;
    private readonly IO.JsonLine _line = new();
    private long _end;

    public ResultAppender(string path)
    {
        // Shared for writing too, so that MakeDurable may open it while the next part's appender writes (the job's lock
        // keeps every other process out).
        _stream = PrivateStore.Create(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        DropPartialLastLine(_stream);
        _end = _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>Appends <paramref name="line"/>; returns where in the file it starts (see <see cref="ResultIndex"/>).</summary>
    public long Append(ResultLine line)
    {
        _line.Clear();
        ResultFile.Write(_line, line);
        _line.EndLine();
        _stream.Write(_line.Buffer, 0, _line.Length);
        var start = _end;
        _end += _line.Length;
        return start;
    }

    /// <summary>Makes what was appended survive a crash of the process or the machine.</summary>
    public void Commit() => _stream.Flush(flushToDisk: true);

    /// <summary>Hands what was appended to the system, in the file for every reader but not yet durable (see <see cref="MakeDurable"/>).</summary>
    public void Flush() => _stream.Flush(flushToDisk: false);

    /// <summary>
    /// Makes everything in the results file at <paramref name="path"/> durable, through a handle of its own: what
    /// appenders flushed, closed or not, while another may go on appending.
    /// </summary>
    public static void MakeDurable(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
        file.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>A crash in the middle of an append leaves a line without its newline: cut it off before appending.</summary>
    private static void DropPartialLastLine(FileStream stream)
    {
        var length = stream.Length;
        if (length == 0)
        {
            return;
        }

        var buffer = new byte[4096];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            stream.Seek(start, SeekOrigin.Begin);
            var count = (int)(end - start);
            stream.ReadExactly(buffer, count);
            var newline = Array.LastIndexOf(buffer, (byte)'\n', count - 1, count);
            if (newline >= 0)
            {
                stream.SetLength(start + newline + 1);
                return;
            }

            end = start;
        }

        stream.SetLength(0);
    }
}

internal static class StreamExtensions
{
    /// <summary>netstandard2.0 has no Stream.ReadExactly.</summary>
    public static void ReadExactly(this Stream stream, byte[] buffer, int count)
    {
        var total = 0;
        while (total < count)
        {
            var read = stream.Read(buffer, total, count - total);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            total += read;
        }
    }
}
