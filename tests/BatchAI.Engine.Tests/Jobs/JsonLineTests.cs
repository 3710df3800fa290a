using System.Text;
using System.Text.Json;
using BatchAI.IO;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// The fast line builder the request and ledger lines are written with: the text it writes must read back exactly,
/// whatever the characters and wherever they fall in the vector-sized blocks it scans.
/// </summary>
public sealed class JsonLineTests
{
    private static readonly JsonName Name = JsonName.Of("n");

    private static string ReadBack(JsonLine line) => JsonDocument.Parse(line.ToArray()).RootElement.GetProperty("n").GetString()!;

    private static JsonLine TextLine(string value)
    {
        var line = new JsonLine();
        line.StartObject();
        line.Text(Name, value);
        line.EndObject();
        return line;
    }

    [Fact]
    public void EveryAsciiCharacterReadsBackAndOnlyWhatJsonForbidsIsEscaped()
    {
        var all = new string(Enumerable.Range(0, 128).Select(c => (char)c).ToArray());

        var line = TextLine(all);

        Assert.Equal(all, ReadBack(line));
        var text = line.ToString();
        Assert.Contains("\\u0000", text, StringComparison.Ordinal);
        Assert.Contains("\\u001F", text, StringComparison.Ordinal);
        Assert.Contains("\\n\\u000B\\f\\r", text, StringComparison.Ordinal);
        Assert.Contains(" !\\\"#", text, StringComparison.Ordinal);
        Assert.Contains("[\\\\]", text, StringComparison.Ordinal);
        Assert.Contains("%&'", text, StringComparison.Ordinal); // no HTML escaping: the ledger is not a web page
        Assert.Contains("<=>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void NonAsciiTextIsWrittenAsItIsAndALoneSurrogateBecomesTheReplacementCharacter()
    {
        Assert.Equal("{\"n\":\"Zoë 日本語 😀\"}", TextLine("Zoë 日本語 😀").ToString());
        Assert.Equal("a\uFFFDb", ReadBack(TextLine("a\uD800b")));
    }

    [Fact]
    public void CharactersToEscapeAreFoundAtEveryPositionOfTheScannedBlocks()
    {
        // Blocks are as wide as the machine's vectors (16 to 64 bytes): put the character at each offset up to 130.
        var random = new Random(7);
        foreach (var special in new[] { '"', '\\', '\n', '\u0001', '\u001F' })
        {
            for (var at = 0; at < 130; at++)
            {
                var chars = Enumerable.Range(0, 140).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray();
                chars[at] = special;
                if (at % 3 == 0)
                {
                    chars[(at + 17) % 140] = 'é';
                }

                var text = new string(chars);
                Assert.Equal(text, ReadBack(TextLine(text)));
            }
        }
    }

    [Fact]
    public void RandomTextReadsBackExactly()
    {
        var random = new Random(11);
        for (var i = 0; i < 500; i++)
        {
            var builder = new StringBuilder();
            var length = random.Next(0, 300);
            while (builder.Length < length)
            {
                var pick = random.Next(10);
                builder.Append(pick switch
                {
                    0 => (char)random.Next(0, 32),
                    1 => '"',
                    2 => '\\',
                    3 => (char)random.Next(0x80, 0x800),
                    4 => (char)random.Next(0x800, 0xD800),
                    5 => "😀",
                    _ => (char)random.Next(32, 127),
                });
            }

            var text = builder.ToString();
            Assert.Equal(text, ReadBack(TextLine(text)));
        }
    }

    [Fact]
    public void TextLongerThanTheBufferedLimitTakesTheWritersOwnPathAndReadsBack()
    {
        var text = new string('x', JsonStrings.MaxBufferedChars) + "\"é\n" + new string('y', 100);

        Assert.Equal(text, ReadBack(TextLine(text)));
    }

    [Fact]
    public void NestingGetsItsCommasAndValuesAreFormattedAsTheLedgerFormatsThem()
    {
        var line = new JsonLine();
        line.StartObject();
        line.Number(JsonName.Of("a"), -42L);
        line.StartArray(JsonName.Of("list"));
        line.StartObject();
        line.Boolean(JsonName.Of("t"), true);
        line.EndObject();
        line.StartObject();
        line.EndObject();
        line.EndArray();
        line.StartObject(JsonName.Of("empty"));
        line.EndObject();
        line.Number(JsonName.Of("d"), 0.1);
        line.Raw(JsonName.Of("raw"), "{\"k\":[1]}");
        line.StartObject(JsonName.Of("values"));
        object?[] values = [null, true, 12L, 2.5, 1.10m, new JsonText("[1,2]"), "s", new Dictionary<string, object?> { ["x"] = 1L }];
        for (var i = 0; i < values.Length; i++)
        {
            line.Name(JsonName.Of("v" + i));
            line.Value(values[i], (writer, value) => RecordValue.WriteJson(writer, value));
        }

        line.EndObject();
        line.EndObject();
        line.EndLine();

        Assert.Equal(
            "{\"a\":-42,\"list\":[{\"t\":true},{}],\"empty\":{},\"d\":0.1,\"raw\":{\"k\":[1]},\"values\":{\"v0\":null,\"v1\":true,\"v2\":12,\"v3\":2.5,\"v4\":1.10,\"v5\":[1,2],\"v6\":\"s\",\"v7\":{\"x\":1}}}\n",
            line.ToString());
        line.Clear();
        Assert.Equal(0, line.Length);
    }

    [Fact]
    public void LongTextWrittenAgainIsCopiedFromTheFirstEncodingAndReadsTheSame()
    {
        var prompt = "Classify: \"quoted\" Zoë 日本語\n" + new string('x', 80);
        var line = new JsonLine();
        line.StartObject();
        line.Text(JsonName.Of("a"), prompt);
        var first = line.ToString();
        line.Clear();
        line.StartObject();
        line.Text(JsonName.Of("b"), "short");
        line.Text(JsonName.Of("a"), prompt); // the same string: copied
        line.Text(JsonName.Of("c"), new string(prompt.ToCharArray())); // equal text, another string: encoded
        line.EndObject();

        var json = JsonDocument.Parse(line.ToArray()).RootElement;
        Assert.Equal(prompt, json.GetProperty("a").GetString());
        Assert.Equal(prompt, json.GetProperty("c").GetString());
        Assert.Contains(first.Substring("{\"a\":".Length), line.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NamesAreEncodedOnceWithTheirQuotesAndColon()
    {
        Assert.Equal("\"a \\\"b\\\" é\":", Encoding.UTF8.GetString(JsonName.Of("a \"b\" é").Utf8));
    }

    [Fact]
    public void TheUtf8JsonWriterExtensionWritesTheSameText()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("n");
            writer.WriteTextValue("Zoë \"q\"\n");
            writer.WriteEndObject();
        }

        Assert.Equal(TextLine("Zoë \"q\"\n").ToString(), Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
