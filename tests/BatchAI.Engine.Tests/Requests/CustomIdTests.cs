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
    public void EveryValueAndIdLengthComesBackAsSet()
    {
        // Values sit beside their id's bytes, so ids of every length (1 to 64) and values of every sign must not overlap.
        var map = new CustomIdMap(4);
        long[] values = [long.MinValue, -1, 0, 1, long.MaxValue, 0x0102030405060708];
        for (var length = 1; length <= CustomIds.MaxLength; length++)
        {
            map.Set(new string('a', length), values[length % values.Length]);
            map.Set(new string('b', length), length);
        }

        map.Set(new string('a', 7), 42); // replaced in place
        for (var length = 1; length <= CustomIds.MaxLength; length++)
        {
            Assert.True(map.TryGetValue(new string('a', length), out var a));
            Assert.True(map.TryGetValue(new string('b', length), out var b));
            Assert.Equal((length == 7 ? 42 : values[length % values.Length], (long)length), (a, b));
        }

        Assert.Equal(2 * CustomIds.MaxLength, map.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("Zoë")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_X")] // 65 characters
    public void AnInvalidIdIsNeverFoundAndCannotBeAdded(string id)
    {
        var map = new CustomIdMap();
        map.Set("a", 1);

        Assert.False(map.TryGetValue(id, out _));
        var error = Assert.Throws<ArgumentException>(() => map.Set(id, 2));
        Assert.StartsWith(CustomIds.Explain(id)!, error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => map.TryAdd(id, 2, out _));
        Assert.Equal(1, map.Count);
    }

    [Fact]
    public void IdsThatDifferOnlyInCaseAreDifferent()
    {
        var set = new CustomIdMap();

        Assert.True(set.TryAdd("Ab", 1, out _));
        Assert.True(set.TryAdd("ab", 2, out _));
    }
}
