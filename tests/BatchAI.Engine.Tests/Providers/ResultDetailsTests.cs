using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>A result line's details behave as the dictionary they replace: names in the order set, each once.</summary>
public class ResultDetailsTests
{
    [Fact]
    public void NamesComeBackInTheOrderSetAndASecondSetReplacesInPlace()
    {
        var details = new ResultDetails(capacity: 2);
        var dictionary = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in new[] { ("line_id", "b1"), ("status_code", "200"), ("model", "m"), ("status_code", "500"), ("Model", "M"), ("finish_reason", "stop") })
        {
            details[key] = value;
            dictionary[key] = value;
        }

        Assert.Equal(dictionary, details); // same pairs, same order (a dictionary without removals keeps insertion order)
        Assert.Equal(dictionary.Keys, details.Keys);
        Assert.Equal(dictionary.Values, details.Values);
        Assert.Equal(dictionary, details.Pairs.ToArray()); // the same, read without an enumerator
        Assert.Equal(5, details.Count);
        Assert.Equal(("500", "M"), (details["status_code"], details["Model"]));
        Assert.True(details.ContainsKey("model"));
        Assert.False(details.ContainsKey("MODEL"));
        Assert.False(details.TryGetValue("request_id", out _));
        Assert.Contains("request_id", Assert.Throws<KeyNotFoundException>(() => details["request_id"]).Message);
    }

    [Fact]
    public void NoDetailsIsEmptyAndCannotBeChanged()
    {
        Assert.Empty(ResultDetails.None);
        var shared = Assert.IsAssignableFrom<IDictionary<string, string>>(ResultDetails.None);
        Assert.Throws<NotSupportedException>(() => shared["x"] = "y");
        Assert.Empty(new ResultLine().Details);
    }
}
