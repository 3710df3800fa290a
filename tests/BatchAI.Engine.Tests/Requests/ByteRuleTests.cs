using System.Text;
using BatchAI.Costs;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

/// <summary>
/// The rules a CSV row's bytes are checked by before they become text (or without ever becoming text) must say what
/// the rules on text say: UTF-8 that would decode to U+FFFD, a valid custom id, the token count, a row's own id.
/// </summary>
public sealed class ByteRuleTests
{
    [Fact]
    public void BytesAreUndecodableExactlyWhenDecodingThemGivesTheReplacementCharacter()
    {
        // Random bytes weighted towards the edges of UTF-8: overlong forms, surrogates, past U+10FFFF, cut sequences.
        byte[] interesting = [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x8F, 0x90, 0xBD];
        var random = new Random(17);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = Enumerable.Range(0, random.Next(1, 8)).Select(_ => interesting[random.Next(interesting.Length)]).ToArray();
            var decoded = Encoding.UTF8.GetString(bytes);

            Assert.True(decoded.Contains('\uFFFD') == EncodingCheck.IsUndecodable(bytes), $"bytes {Convert.ToHexString(bytes)}");
        }

        Assert.False(EncodingCheck.IsUndecodable(Encoding.UTF8.GetBytes("Zoë 日本語 😀 plain")));
        Assert.True(EncodingCheck.IsUndecodable(Encoding.UTF8.GetBytes("a\uFFFDb"))); // U+FFFD itself, as the text check sees it
    }

    [Theory]
    [InlineData("r-1")]
    [InlineData("A_b-9")]
    [InlineData("")]
    [InlineData("bad id")]
    [InlineData("é")]
    [InlineData("a.b")]
    [InlineData("x\u0000")]
    public void ACustomIdsBytesAreValidExactlyWhenItsTextIs(string id)
    {
        Assert.Equal(CustomIds.IsValid(id), CustomIds.IsValid(Encoding.UTF8.GetBytes(id)));
        Assert.True(CustomIds.IsValid(Encoding.UTF8.GetBytes(new string('a', CustomIds.MaxLength))));
        Assert.False(CustomIds.IsValid(Encoding.UTF8.GetBytes(new string('a', CustomIds.MaxLength + 1))));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(42L)]
    [InlineData(1_000_000L)]
    [InlineData(long.MaxValue)]
    public void ARowsIdWrittenAsBytesIsTheRowsId(long row)
    {
        var buffer = new byte[24];

        var length = CustomIds.ForRow(row, buffer);

        Assert.Equal(CustomIds.ForRow(row), Encoding.ASCII.GetString(buffer, 0, length));
    }

    [Fact]
    public void TokensCountedOnUtf8AreTheTokensCountedOnText()
    {
        string[] pieces = ["a", " ", "\n", "\"", "é", "日", "😀", "\u007F", "\u0080", "\uFFFF", "\u07FF", "\u0800"];
        var random = new Random(23);
        for (var length = 0; length < 150; length++)
        {
            var text = string.Concat(Enumerable.Range(0, length).Select(_ => pieces[random.Next(pieces.Length)]));
            var (ascii, other) = TokenEstimator.CountUtf8(Encoding.UTF8.GetBytes(text));

            Assert.Equal(TokenEstimator.Approximate(text), TokenEstimator.Approximate(ascii, other));
        }
    }
}
