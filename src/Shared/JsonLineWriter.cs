using System.Text.Json;

namespace BatchAI.IO;

/// <summary>
/// Writes JSON Lines to a stream it does not own: each line is built in memory by <see cref="Json"/> and handed to
/// the stream whole, newline included, by <see cref="EndLine"/>. Writing to the file directly would cost a system
/// call per line, because <see cref="Utf8JsonWriter.Flush"/> flushes the stream under it too; this way the file's
/// own buffer gathers many lines per write. A crash can still cut the last line short, which readers of these files
/// already drop.
/// </summary>
internal sealed class JsonLineWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly MemoryStream _line = new();

    public JsonLineWriter(Stream stream, JsonWriterOptions options)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        Json = new Utf8JsonWriter(_line, options);
    }

    /// <summary>Writes the current line: one JSON value, then <see cref="EndLine"/>.</summary>
    public Utf8JsonWriter Json { get; }

    /// <summary>Ends the line written with <see cref="Json"/> and passes it to the stream.</summary>
    public void EndLine()
    {
        Json.Flush();
        _line.WriteByte((byte)'\n');
        _stream.Write(_line.GetBuffer(), 0, (int)_line.Length);
        _line.SetLength(0);
        Json.Reset(_line);
    }

    public void Dispose()
    {
        Json.Dispose();
        _line.Dispose();
    }
}
