using System.Text;
using BatchAI.Providers.Http;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>Downloaded result files are split into lines as bytes; every way a line can end or be cut must survive.</summary>
public class Utf8LineReaderTests
{
    [Theory]
    [InlineData(1)] // the network hands over a byte at a time
    [InlineData(7)]
    [InlineData(1 << 20)]
    public async Task LinesComeBackWholeHoweverTheStreamIsCut(int chunk)
    {
        var longLine = "{\"text\":\"" + new string('x', 200_000) + "\"}"; // longer than the reader's first buffer
        var body = "\uFEFF{\"a\":\"Zoë 日本語\"}\r\n\n" + longLine + "\n{\"last\":true}";

        var lines = await ReadAll(Encoding.UTF8.GetBytes(body), chunk);

        Assert.Equal(["{\"a\":\"Zoë 日本語\"}", string.Empty, longLine, "{\"last\":true}"], lines);
    }

    [Fact]
    public async Task AnEmptyBodyHasNoLinesAndAFinalLineBreakAddsNone()
    {
        Assert.Empty(await ReadAll([], 10));
        Assert.Equal(["{}"], await ReadAll("{}\n"u8.ToArray(), 10));
    }

    private static async Task<List<string>> ReadAll(byte[] body, int chunk)
    {
        var reader = new Utf8LineReader(new ChunkedStream(body, chunk));
        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(Encoding.UTF8.GetString(line.Span));
        }

        return lines;
    }

    /// <summary>A stream that never returns more than <paramref name="chunk"/> bytes per read.</summary>
    private sealed class ChunkedStream(byte[] body, int chunk) : MemoryStream(body)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));
    }
}
