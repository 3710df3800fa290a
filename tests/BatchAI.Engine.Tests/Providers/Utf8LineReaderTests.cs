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

    [Fact]
    public async Task ALineThatIsNotValidUtf8IsReadAsATextReaderWouldAndStillParses()
    {
        var good = Encoding.UTF8.GetBytes("{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"bad XX byte\"}}]}}}\n");
        var bad = (byte[])good.Clone();
        var at = Array.IndexOf(bad, (byte)'X');
        (bad[at], bad[at + 1]) = (0xC3, 0x28); // a lead byte without its continuation
        var body = bad.Concat(good).ToArray();

        var reader = new Utf8LineReader(new MemoryStream(body));
        var first = await reader.ReadLineAsync(CancellationToken.None);
        var repaired = BatchAI.Providers.OpenAI.OpenAIResultParser.Parse(first!.Value, "batch_1");
        var second = await reader.ReadLineAsync(CancellationToken.None);

        Assert.Equal("bad \uFFFD( byte", repaired.Text);
        Assert.Equal("bad XX byte", BatchAI.Providers.OpenAI.OpenAIResultParser.Parse(second!.Value, "batch_1").Text);
        Assert.Null(await reader.ReadLineAsync(CancellationToken.None));
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
