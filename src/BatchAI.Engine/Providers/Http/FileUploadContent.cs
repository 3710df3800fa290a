using System.Net;
using System.Net.Http.Headers;

namespace BatchAI.Providers.Http;

/// <summary>
/// A request body streamed from a file on disk. It opens the file afresh each time it is sent, so a retry resends it
/// whole, and it never holds more than a copy buffer in memory whatever the file's size.
/// </summary>
internal sealed class FileUploadContent : HttpContent
{
    private const int BufferSize = 1 << 16;
    private readonly string _path;

    public FileUploadContent(string path, string mediaType)
    {
        _path = path;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        using var file = Open();
        await file.CopyToAsync(stream, BufferSize).ConfigureAwait(false);
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(Open());

    protected override bool TryComputeLength(out long length)
    {
        length = new FileInfo(_path).Length;
        return true;
    }

    private FileStream Open() => new(_path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
}
