using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace BatchAI.Providers.Http;

/// <summary>
/// A JSON request body whose array is a JSONL file on disk: <c>prefix</c>, the file's lines joined by commas, then
/// <c>suffix</c> (e.g. <c>{"requests":[</c> … <c>]}</c> for Anthropic's Message Batches). Streamed from the file, so a
/// 256 MB batch never sits in memory, and opened afresh for each send, so a retry resends it whole. Each line of the
/// file is one JSON value ending in '\n', and JSON text holds no raw newline, so every newline is a separator.
/// </summary>
internal sealed class JsonArrayFileContent : HttpContent
{
    private const int BufferSize = 1 << 16;
    private readonly string _path;
    private readonly byte[] _prefix;
    private readonly byte[] _suffix;

    public JsonArrayFileContent(string path, string prefix, string suffix)
    {
        _path = path;
        _prefix = Encoding.UTF8.GetBytes(prefix);
        _suffix = Encoding.UTF8.GetBytes(suffix);
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(_prefix, 0, _prefix.Length).ConfigureAwait(false);
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            var buffer = new byte[BufferSize];
            var atLineStart = true;
            var anyLine = false;
            int read;
            while ((read = await file.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
            {
                var start = 0;
                for (var i = 0; i <= read; i++)
                {
                    if (i < read && buffer[i] != (byte)'\n')
                    {
                        continue;
                    }

                    if (i > start)
                    {
                        if (atLineStart && anyLine)
                        {
                            stream.WriteByte((byte)',');
                        }

                        anyLine = true;
                        atLineStart = false;
                        await stream.WriteAsync(buffer, start, i - start).ConfigureAwait(false);
                    }

                    if (i < read)
                    {
                        atLineStart = true;
                    }

                    start = i + 1;
                }
            }
        }

        await stream.WriteAsync(_suffix, 0, _suffix.Length).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        // Each line's newline becomes a comma, except the last one's, which goes.
        var file = new FileInfo(_path).Length;
        length = _prefix.Length + Math.Max(0, file - 1) + _suffix.Length;
        return true;
    }
}
