using BatchAI.Jobs;

namespace BatchAI.Engine.Tests.Jobs;

public class WildcardTests
{
    [Theory]
    [InlineData("night*", "nightly", true)]
    [InlineData("NIGHT*", "nightly", true)]
    [InlineData("job-2026*", "job-20261122-080000-abcdef", true)]
    [InlineData("n?ghtly", "nightly", true)]
    [InlineData("[mn]ightly", "nightly", true)]
    [InlineData("[a-c]ightly", "nightly", false)]
    [InlineData("nightly", "nightly-2", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("*", null, false)]
    public void MatchLikePowerShell(string pattern, string? text, bool expected) => Assert.Equal(expected, Wildcards.IsMatch(pattern, text));
}
