using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Requests;

public class ResponseSchemaTests
{
    private const string Schema = """
        {
          // comments are allowed in schema files
          "title": "Ticket label v2",
          "type": "object",
          "properties": { "label": { "type": "string" } },
          "required": ["label"],
        }
        """;

    [Fact]
    public void NameComesFromTheTitleWithUnsafeCharactersReplaced()
    {
        var schema = ResponseSchema.Parse(Schema);

        Assert.Equal("Ticket_label_v2", schema.Name);
        Assert.Equal("""{"title":"Ticket label v2","type":"object","properties":{"label":{"type":"string"}},"required":["label"]}""", schema.Json);
    }

    [Fact]
    public void AGivenNameWins() => Assert.Equal("labels", ResponseSchema.Parse(Schema, "labels").Name);

    [Fact]
    public void WithoutTitleOrNameTheNameIsResponse() => Assert.Equal("response", ResponseSchema.Parse("""{"type":"object"}""").Name);

    [Fact]
    public void TheIdDependsOnlyOnTheContent()
    {
        Assert.Equal(ResponseSchema.Parse(Schema).Id, ResponseSchema.Parse(Schema.Replace("  ", " ", StringComparison.Ordinal)).Id);
        Assert.NotEqual(ResponseSchema.Parse(Schema).Id, ResponseSchema.Parse("""{"type":"object"}""").Id);
    }

    [Fact]
    public void ASchemaFileIsReadAndAnUnreadableOneNamed()
    {
        using var dir = new BatchAI.Engine.Tests.Support.TempDirectory();
        File.WriteAllText(dir.File("s.json"), Schema);

        Assert.Equal("Ticket_label_v2", ResponseSchema.FromFile(dir.File("s.json")).Name);
        var error = Assert.Throws<BatchAIException>(() => ResponseSchema.FromFile(dir.File("missing.json")));
        Assert.Equal("SchemaUnreadable", error.ErrorId);
        Assert.Contains("missing.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "is not valid JSON")]
    [InlineData("[1]", "must be a JSON object, not array")]
    [InlineData("""{"type":"array"}""", "must describe an object at its root")]
    public void RejectsWhatProvidersWouldRejectAndNamesTheFile(string json, string why)
    {
        var error = Assert.Throws<BatchAIException>(() => ResponseSchema.Parse(json, source: "schema.json"));

        Assert.Equal("SchemaInvalid", error.ErrorId);
        Assert.Contains("'schema.json'", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }
}
