using System.Text;
using System.Text.Json;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>A field whose value repeats from line to line is read as the same string, and always as its own value.</summary>
public class RepeatedTextTests
{
    [Fact]
    public void TheSameBytesGiveTheSameStringAndOtherBytesTheirOwn()
    {
        var text = new RepeatedText();
        var first = Read(text, "{\"model\":\"gpt-4o-mini\"}");
        var second = Read(text, "{\"model\":\"gpt-4o-mini\"}");
        var other = Read(text, "{\"model\":\"gpt-4o\"}");
        var longer = Read(text, "{\"model\":\"gpt-4o-mini-2024\"}");

        Assert.Equal("gpt-4o-mini", first);
        Assert.Same(first, second);
        Assert.Equal("gpt-4o", other);
        Assert.Equal("gpt-4o-mini-2024", longer);
        Assert.Same(longer, Read(text, "{\"model\":\"gpt-4o-mini-2024\"}"));
    }

    [Fact]
    public void AnEscapedValueIsReadAsItsTextAndNotTakenForTheRememberedOne()
    {
        var text = new RepeatedText();
        Assert.Equal("a-b", Read(text, "{\"model\":\"a-b\"}"));
        var quoted = Read(text, "{\"model\":\"a\\u0022b\"}");
        Assert.Equal("a\"b", quoted);
        Assert.Same(quoted, Read(text, "{\"model\":\"a\\u0022b\"}")); // the same bytes, escapes and all
        Assert.Equal("a-b", Read(text, "{\"model\":\"a\\u002db\"}")); // the same text, escaped
        Assert.Equal("a-b", Read(text, "{\"model\":\"a-b\"}"));
    }

    [Fact]
    public void ALongValueIsReadEachTime()
    {
        var text = new RepeatedText();
        var value = new string('x', 100);
        Assert.Equal(value, Read(text, "{\"model\":\"" + value + "\"}"));
        Assert.Equal(value + "y", Read(text, "{\"model\":\"" + value + "y\"}"));
        Assert.Equal(value, Read(text, "{\"model\":\"" + value + "\"}"));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("7")]
    [InlineData("{\"a\":[1,{\"b\":2}]}")]
    [InlineData("[\"gpt-4o\"]")]
    public void AValueThatIsNotAStringIsNullAndSkipped(string json)
    {
        var text = new RepeatedText();
        Read(text, "{\"model\":\"gpt-4o\"}");
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("{\"model\":" + json + ",\"next\":1}"));
        reader.Read();
        reader.Read();

        Assert.Null(text.Read(ref reader));
        reader.Read();
        Assert.True(reader.ValueTextEquals("next"u8)); // the reader is past the whole value
    }

    /// <summary>The value of the one property of <paramref name="json"/>, read by <paramref name="text"/>.</summary>
    private static string? Read(RepeatedText text, string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        reader.Read(); // at the property's name
        var value = text.Read(ref reader);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        return value;
    }
}
