using System.Text;
using BatchAI.Emulator.Http;

namespace BatchAI.Emulator.Tests.Http;

public class MultipartFormReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65_536)]
    public async Task ReadsFieldsAndFilesWhateverTheChunkSize(int chunk)
    {
        // The file content contains a near-boundary on purpose.
        var file = string.Join("\n", Enumerable.Range(0, 2000).Select(i => $"line {i} --not-the-boundary")) + "\r\n--almost";
        var body = await BuildAsync(("purpose", null, "batch"), ("file", "in.jsonl", file));

        var (fields, files) = await ReadAllAsync(new ChunkedStream(body.Bytes, chunk), body.Boundary);

        Assert.Equal("batch", fields["purpose"]);
        Assert.Equal(file, files["file"]);
    }

    [Fact]
    public async Task StopsAtTheClosingDelimiter()
    {
        var body = await BuildAsync(("a", null, "1"));

        var (fields, _) = await ReadAllAsync(new MemoryStream(body.Bytes), body.Boundary);

        Assert.Equal("1", Assert.Single(fields).Value);
    }

    [Fact]
    public async Task ATruncatedBodyIsAnError()
    {
        var body = await BuildAsync(("file", "in.jsonl", new string('x', 1000)));
        var truncated = body.Bytes.Take(body.Bytes.Length / 2).ToArray();

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(new MemoryStream(truncated), body.Boundary));
    }

    [Fact]
    public async Task APartLargerThanAllowedIsRefused()
    {
        var body = await BuildAsync(("file", "in.jsonl", new string('x', 5000)));
        var reader = new MultipartFormReader(new MemoryStream(body.Bytes), body.Boundary);
        var section = await reader.ReadNextSectionAsync(CancellationToken.None);

        await Assert.ThrowsAsync<MultipartTooLargeException>(() => section!.CopyToAsync(Stream.Null, 1000, CancellationToken.None));
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=abc", "abc")]
    [InlineData("multipart/form-data; boundary=\"a b\"", "a b")]
    [InlineData("application/json", null)]
    [InlineData("multipart/form-data", null)]
    public void FindsTheBoundary(string contentType, string? boundary) => Assert.Equal(boundary, MultipartFormReader.BoundaryOf(contentType));

    private static async Task<(byte[] Bytes, string Boundary)> BuildAsync(params (string Name, string? FileName, string Value)[] parts)
    {
        using var form = new MultipartFormDataContent("test-boundary-1234");
        foreach (var (name, fileName, value) in parts)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
            if (fileName is null)
            {
                form.Add(content, name);
            }
            else
            {
                form.Add(content, name, fileName);
            }
        }

        return (await form.ReadAsByteArrayAsync(), "test-boundary-1234");
    }

    private static async Task<(Dictionary<string, string> Fields, Dictionary<string, string> Files)> ReadAllAsync(Stream stream, string boundary)
    {
        var reader = new MultipartFormReader(stream, boundary);
        var fields = new Dictionary<string, string>();
        var files = new Dictionary<string, string>();
        while (await reader.ReadNextSectionAsync(CancellationToken.None) is { } section)
        {
            if (section.FileName is null)
            {
                fields[section.Name!] = await section.ReadAsStringAsync(CancellationToken.None);
            }
            else
            {
                using var buffer = new MemoryStream();
                await section.CopyToAsync(buffer, long.MaxValue, CancellationToken.None);
                files[section.Name!] = Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        return (fields, files);
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
