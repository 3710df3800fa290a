using BatchAI.Cli.Infrastructure;

namespace BatchAI.Cli.Tests;

public class JobOutputTests
{
    [Theory]
    [InlineData("abc", 3)]
    [InlineData("无法登录", 8)]
    [InlineData("a🚀b", 4)]
    [InlineData("Zoë", 3)]
    public void WideCharactersTakeTwoColumns(string text, int width) => Assert.Equal(width, JobOutput.DisplayWidth(text));

    [Fact]
    public void TablesAlignWithWideText()
    {
        var lines = JobOutput.Table(["A", "B"], [["无法", "x"], ["ab", "y"]]).ToList();

        Assert.Equal(["A     B", "无法  x", "ab    y"], lines);
    }
}
