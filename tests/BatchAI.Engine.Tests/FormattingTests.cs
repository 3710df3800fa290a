using BatchAI.Hosting;

namespace BatchAI.Engine.Tests;

public class FormattingTests
{
    [Theory]
    [InlineData(512, "0.5 kB")]
    [InlineData(999_999, "1,000.0 kB")]
    [InlineData(2_500_000, "2.5 MB")]
    [InlineData(200_000_000, "200.0 MB")]
    public void SizesReadNaturally(long bytes, string text) => Assert.Equal(text, Formatting.Bytes(bytes));

    [Theory]
    [InlineData("nightly", "nightly")]
    [InlineData("job-20261129-001500-abc123", "job-20261129-001500-abc123")]
    [InlineData("night run", "'night run'")]
    [InlineData("Zoë's leads", "'Zoë''s leads'")]
    [InlineData("$env:x", "'$env:x'")]
    [InlineData("a;b", "'a;b'")]
    [InlineData("", "''")]
    public void CompletedArgumentsAreQuotedOnlyWhenPowerShellNeedsIt(string text, string argument) =>
        Assert.Equal(argument, Formatting.QuoteArgument(text));
}
