using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

public class CustomIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("T-1")]
    [InlineData("row_000123")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")]
    public void AcceptsIdsEveryProviderAccepts(string id) => Assert.Null(CustomIds.Explain(id));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("has space", "U+0020")]
    [InlineData("tab\there", "U+0009")]
    [InlineData("dot.id", "'.'")]
    [InlineData("zoë", "'ë'")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_X", "65 characters")]
    public void RejectsIdsSomeProviderRejectsAndSaysWhy(string id, string why)
    {
        var explanation = CustomIds.Explain(id);

        Assert.NotNull(explanation);
        Assert.Contains(why, explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratedIdsComeFromTheRowNumber() => Assert.Equal("row-42", CustomIds.ForRow(42));

    [Fact]
    public void IdMapKeepsTheFirstValueOfADuplicate()
    {
        var set = new CustomIdMap();

        Assert.True(set.TryAdd("a", 1, out _));
        Assert.True(set.TryAdd("b", 2, out _));
        Assert.False(set.TryAdd("a", 7, out var firstRow));
        Assert.Equal(1, firstRow);
        Assert.Equal(2, set.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)] // made with room for fewer than it gets: it grows past it
    [InlineData(100_000)]
    public void IdMapKeepsEveryIdThroughGrowth(int capacity)
    {
        var set = capacity == 0 ? new CustomIdMap() : new CustomIdMap(capacity);
        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(set.TryAdd("id-" + i, i + 1, out _));
        }

        for (var i = 0; i < 100_000; i += 997)
        {
            Assert.True(set.Contains("id-" + i));
            Assert.False(set.TryAdd("id-" + i, 0, out var first));
            Assert.Equal(i + 1, first);
        }

        Assert.False(set.Contains("id-100000"));
        Assert.False(set.Contains("not valid!"));
    }

    [Fact]
    public void SetReplacesAValueAndAddsANewId()
    {
        var map = new CustomIdMap();
        map.Set("a", 1);
        map.Set("a", 5);
        map.Set("b", 7);

        Assert.True(map.TryGetValue("a", out var a));
        Assert.True(map.TryGetValue("b", out var b));
        Assert.Equal((5L, 7L, 2), (a, b, map.Count));
        Assert.False(map.TryGetValue("c", out _));
    }

    [Fact]
    public void IdsThatDifferOnlyInCaseAreDifferent()
    {
        var set = new CustomIdMap();

        Assert.True(set.TryAdd("Ab", 1, out _));
        Assert.True(set.TryAdd("ab", 2, out _));
    }
}
