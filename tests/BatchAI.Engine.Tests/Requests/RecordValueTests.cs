using System.Collections;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

public class RecordValueTests
{
    [Fact]
    public void NormalizesWhatPowerShellObjectsCarry()
    {
        Assert.Equal(5L, RecordValue.Normalize(5));
        Assert.Equal(5L, RecordValue.Normalize((byte)5));
        Assert.Equal(1.5, RecordValue.Normalize(1.5f));
        Assert.Equal("2026-01-02T03:04:05.0000000Z", RecordValue.Normalize(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        Assert.Equal("x", RecordValue.Normalize('x'));
        Assert.Equal(new JsonText("""{"a":1,"b":["x",true,null]}"""), RecordValue.Normalize(new SortedList { ["a"] = 1, ["b"] = new object?[] { "x", true, null } }));
        Assert.Null(RecordValue.Normalize(null));
    }

    [Fact]
    public void PlainValuesTurnJsonNumbersIntoNumbers()
    {
        Assert.Equal(5L, RecordValue.ToPlain(new JsonText("5")));
        Assert.Equal(1.5, RecordValue.ToPlain(new JsonText("1.50")));
        Assert.Equal("[1,2]", RecordValue.ToPlain(new JsonText("[1,2]")));
        Assert.Equal("text", RecordValue.ToPlain("text"));
        Assert.Null(RecordValue.ToPlain(null));
    }

    [Fact]
    public void TextOfValuesIsCultureIndependent()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            Assert.Equal("1.25", RecordValue.ToText(1.25));
            Assert.Equal("1.5", RecordValue.ToText(1.5m));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }
}
