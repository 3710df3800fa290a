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
}
