using System.Text;

namespace BatchAI.Emulator.Http;

/// <summary>
/// Reads a multipart/form-data body part by part without buffering it: file parts are copied to a destination
/// stream as they arrive, so a 200 MB upload costs one 64 KiB buffer.
/// </summary>
internal sealed class MultipartFormReader
{
    private const int BufferSize = 1 << 16;
    private readonly Stream _body;
    private readonly byte[] _delimiter;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _finished;

    public MultipartFormReader(Stream body, string boundary)
    {
        _body = body ?? throw new ArgumentNullException(nameof(body));
        // Every part is preceded by CRLF "--" boundary. The first one has no CRLF in front of it, so the buffer starts
        // with a virtual CRLF and one search handles all of them.
        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        _buffer = new byte[BufferSize + _delimiter.Length];
        _buffer[0] = (byte)'\r';
        _buffer[1] = (byte)'\n';
        _end = 2;
    }

    /// <summary>The boundary of a multipart Content-Type header value, or null when it has none.</summary>
    public static string? BoundaryOf(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var parameter in contentType.Split(';'))
        {
            var pair = parameter.Trim();
            if (pair.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
            {
                var value = pair.Substring("boundary=".Length).Trim().Trim('"');
                return value.Length is > 0 and <= 70 ? value : null;
            }
        }

        return null;
    }

    /// <summary>The headers of the next part, or null after the last one. Its body must be read before the next call.</summary>
    public async Task<MultipartSection?> ReadNextSectionAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return null;
        }

        // Skip whatever precedes the next delimiter: the preamble, or the unread rest of the previous part.
        await SkipToDelimiterAsync(cancellationToken).ConfigureAwait(false);
        await EnsureAsync(2, cancellationToken).ConfigureAwait(false);
        if (_end - _start >= 2 && _buffer[_start] == '-' && _buffer[_start + 1] == '-')
        {
            _finished = true;
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false); // the rest of the delimiter line
        if (line.Trim().Length != 0)
        {
            throw new InvalidDataException("The multipart delimiter line has unexpected text after the boundary.");
        }

        while ((line = await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length > 0)
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }
        }

        return new MultipartSection(this, headers);
    }

    internal async Task CopyBodyToAsync(Stream destination, long maxBytes, CancellationToken cancellationToken)
    {
        long copied = 0;
        while (true)
        {
            var found = IndexOfDelimiter();
            var available = found >= 0 ? found - _start : Math.Max(0, _end - _start - (_delimiter.Length - 1));
            copied += available;
            if (copied > maxBytes)
            {
                throw new MultipartTooLargeException(maxBytes);
            }

            if (available > 0)
            {
                await destination.WriteAsync(_buffer, _start, available, cancellationToken).ConfigureAwait(false);
                _start += available;
            }

            if (found >= 0)
            {
                return; // The delimiter stays in the buffer for the next ReadNextSectionAsync.
            }

            if (_eof)
            {
                throw new InvalidDataException("The multipart body ended inside a part.");
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private int IndexOfDelimiter()
    {
        var index = _buffer.AsSpan(_start, _end - _start).IndexOf(_delimiter);
        return index < 0 ? -1 : _start + index;
    }

    private async Task SkipToDelimiterAsync(CancellationToken cancellationToken)
    {
        await CopyBodyToAsync(Stream.Null, long.MaxValue, cancellationToken).ConfigureAwait(false);
        _start += _delimiter.Length;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var newline = span.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = newline > 0 && span[newline - 1] == '\r' ? newline - 1 : newline;
                var text = Encoding.UTF8.GetString(_buffer, _start, length);
                _start += newline + 1;
                return text;
            }

            if (_eof || _end - _start >= BufferSize)
            {
                throw new InvalidDataException("A multipart header line is not terminated.");
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count && !_eof)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await _body.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}

/// <summary>One part of a multipart body: its headers, and its body read once through the reader.</summary>
internal sealed class MultipartSection(MultipartFormReader reader, IReadOnlyDictionary<string, string> headers)
{
    public IReadOnlyDictionary<string, string> Headers { get; } = headers;

    /// <summary>The <c>name</c> of the Content-Disposition header.</summary>
    public string? Name => DispositionParameter("name");

    /// <summary>The <c>filename</c> of the Content-Disposition header; null for a plain form field.</summary>
    public string? FileName => DispositionParameter("filename");

    public Task CopyToAsync(Stream destination, long maxBytes, CancellationToken cancellationToken) =>
        reader.CopyBodyToAsync(destination, maxBytes, cancellationToken);

    public async Task<string> ReadAsStringAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await reader.CopyBodyToAsync(buffer, 64 * 1024, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private string? DispositionParameter(string parameter)
    {
        if (!Headers.TryGetValue("Content-Disposition", out var disposition))
        {
            return null;
        }

        foreach (var piece in disposition.Split(';'))
        {
            var pair = piece.Trim();
            var equals = pair.IndexOf('=');
            if (equals > 0 && string.Equals(pair.Substring(0, equals).Trim(), parameter, StringComparison.OrdinalIgnoreCase))
            {
                return pair.Substring(equals + 1).Trim().Trim('"');
            }
        }

        return null;
    }
}

internal sealed class MultipartTooLargeException(long maxBytes)
    : Exception($"The part is larger than {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}
