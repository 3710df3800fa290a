using System.IO.Pipes;
using System.Text.Json;

namespace BatchAI.Emulator.Http;

/// <summary>
/// Reads a request body the way a network handler does: by serializing the content again for every request.
/// HttpContent.ReadAsStreamAsync caches the stream it returns, so a request that a client retries with the same content
/// (as retry handlers do) would find that stream already read and send nothing. The content is copied into an
/// in-process pipe, so nothing is buffered beyond the pipe's own small buffer.
/// </summary>
internal static class RequestBody
{
    public static Stream Open(HttpContent content, CancellationToken cancellationToken)
    {
        var writer = new AnonymousPipeServerStream(PipeDirection.Out);
        var reader = new AnonymousPipeClientStream(PipeDirection.In, writer.ClientSafePipeHandle);
        var copy = Task.Run(
            async () =>
            {
                using (writer)
                {
                    await content.CopyToAsync(writer).ConfigureAwait(false);
                }
            },
            cancellationToken);
        return new PipedBody(reader, copy);
    }

    /// <summary>A small body (a synchronous model call) as text; an empty body is an empty text.</summary>
    public static async Task<string> ReadTextAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return string.Empty;
        }

        using var stream = Open(content, cancellationToken);
        using var reader = new StreamReader(stream, new System.Text.UTF8Encoding(false));
        return await reader.ReadToEndAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A small JSON body (a synchronous call) as its text and parsed document; the document is null when the body is not
    /// JSON, for the caller to answer with its provider's own error.
    /// </summary>
    public static async Task<(string Text, JsonDocument? Json)> ReadJsonAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(content, cancellationToken).ConfigureAwait(false);
        try
        {
            return (text, JsonDocument.Parse(text));
        }
        catch (JsonException)
        {
            return (text, null);
        }
    }

    /// <summary>The reading end; it surfaces a failed copy instead of a silently short body.</summary>
    private sealed class PipedBody(Stream reader, Task copy) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Check(reader.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Check(await reader.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                reader.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Check(int read)
        {
            if (read == 0 && copy.IsFaulted)
            {
                throw new IOException("The request body could not be read: " + copy.Exception!.GetBaseException().Message, copy.Exception.GetBaseException());
            }

            return read;
        }
    }
}
