using System.Text;

namespace BatchAI.Jobs;

/// <summary>
/// Writes CSV (or TSV) rows as UTF-8 in RFC 4180's form, what Excel and Import-Csv expect, and the bytes CsvHelper 34
/// writes quoting only where needed: a field is quoted when it holds the separator, a quote, a carriage return or a
/// line feed, a quote inside is doubled, and every record ends with CR LF. A results file of a million rows is ten
/// million fields: CsvHelper's writer checks and copies each through a text buffer and an encoder, which was a third
/// of joining a row; here a field is UTF-8 (text is encoded first), searched once and copied into the bytes to write.
/// The tests hold the two writers to the same bytes.
/// </summary>
internal sealed class CsvRowWriter(Stream stream, char separator)
{
    private const int FlushAt = 1 << 16;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly byte[] _specialBytes = [(byte)separator, (byte)'"', (byte)'\r', (byte)'\n'];
    private byte[] _buffer = new byte[FlushAt * 2];
    private byte[] _text = new byte[1024]; // a text field, encoded
    private int _length;
    private bool _started;

    /// <summary>A field given as text: encoded as UTF-8 (a lone surrogate as U+FFFD, as CsvHelper's writer does), then written as such.</summary>
    public void Field(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            Field(ReadOnlySpan<byte>.Empty);
            return;
        }

        var most = Utf8.GetMaxByteCount(text!.Length);
        if (_text.Length < most)
        {
            _text = new byte[Math.Max(most, _text.Length * 2)];
        }

        Field(new ReadOnlySpan<byte>(_text, 0, Utf8.GetBytes(text, 0, text.Length, _text, 0)));
    }

    /// <summary>A field given as UTF-8: the characters that call for quotes are all ASCII, and no byte of a longer character is ASCII.</summary>
    public void Field(ReadOnlySpan<byte> utf8)
    {
        if (_started)
        {
            Append((byte)separator);
        }

        _started = true;
        if (utf8.IndexOfAny(_specialBytes) < 0)
        {
            Copy(utf8);
            return;
        }

        Append((byte)'"');
        int quote;
        while ((quote = utf8.IndexOf((byte)'"')) >= 0)
        {
            Copy(utf8.Slice(0, quote + 1));
            Append((byte)'"'); // a quote inside is doubled
            utf8 = utf8.Slice(quote + 1);
        }

        Copy(utf8);
        Append((byte)'"');
    }

    public void EndRecord()
    {
        Append((byte)'\r');
        Append((byte)'\n');
        _started = false;
        if (_length >= FlushAt)
        {
            Flush();
        }
    }

    /// <summary>Hands what is written so far to the stream (not to the disk).</summary>
    public void Flush()
    {
        stream.Write(_buffer, 0, _length);
        _length = 0;
    }

    private void Append(byte value)
    {
        Reserve(1);
        _buffer[_length++] = value;
    }

    private void Copy(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(new Span<byte>(_buffer, _length, bytes.Length));
        _length += bytes.Length;
    }

    private void Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
    }
}
