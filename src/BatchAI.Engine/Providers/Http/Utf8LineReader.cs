using System.Text;

namespace BatchAI.Providers.Http;

/// <summary>
/// Reads a JSON-lines body line by line as UTF-8 bytes. A results file of a million lines is close to a gigabyte:
/// reading it as text would decode every byte to UTF-16 only for the JSON parser to encode it back, and make a string
/// per line. Each line handed out is a view of this reader's buffer, good until the next read. A UTF-8 byte order
/// mark is skipped, a trailing CR dropped, and a last line without a line break still counts. A line that is not
/// valid UTF-8 is repaired as a text reader would read it (each bad sequence becomes U+FFFD), so that one bad byte
/// costs one character, not the download: the JSON reader would otherwise fail on it only when the text is taken.
/// </summary>
internal sealed class Utf8LineReader(Stream stream)
{
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private int _scanned; // bytes from _start already known to hold no line break
    private bool _ended;
    private bool _first = true;

    /// <summary>The next line, or null at the end of the stream.</summary>
    /// <remarks>
    /// A line already in the buffer (nearly every one) is handed out without a task: a task per line was a million
    /// allocations in a large download.
    /// </remarks>
    public ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var newline = _buffer.AsSpan(_start + _scanned, _end - _start - _scanned).IndexOf((byte)'\n');
        return newline >= 0
            ? new ValueTask<ReadOnlyMemory<byte>?>(Take(_scanned + newline, 1))
            : new ValueTask<ReadOnlyMemory<byte>?>(ReadMoreAsync(cancellationToken));
    }

    private async Task<ReadOnlyMemory<byte>?> ReadMoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start + _scanned, _end - _start - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return Take(_scanned + newline, 1);
            }

            _scanned = _end - _start;
            if (_ended)
            {
                if (_start == _end)
                {
                    return null;
                }

                return Take(_end - _start, 0);
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2); // a line longer than the buffer
            }

            var read = await stream.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
            _ended = read == 0;
            _end += read;
        }
    }

    private ReadOnlyMemory<byte> Take(int length, int separator)
    {
        var start = _start;
        _start += length + separator;
        _scanned = 0;
        if (_first)
        {
            _first = false;
            if (_buffer.AsSpan(start, length).StartsWith(ByteOrderMark))
            {
                start += ByteOrderMark.Length;
                length -= ByteOrderMark.Length;
            }
        }

        if (length > 0 && _buffer[start + length - 1] == '\r')
        {
            length--;
        }

        try
        {
            Strict.GetCharCount(_buffer, start, length); // validates; a pass over bytes that are almost always ASCII
            return new ReadOnlyMemory<byte>(_buffer, start, length);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(_buffer, start, length));
        }
    }
}
