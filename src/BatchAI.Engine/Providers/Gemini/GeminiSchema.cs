using System.Text.Json;

namespace BatchAI.Providers.Gemini;

/// <summary>
/// Turns a JSON Schema into Gemini's <c>responseSchema</c> dialect (an OpenAPI 3.0 subset): capitalised types, a
/// <c>["string", "null"]</c> type as <c>nullable</c>, <c>$ref</c>s inlined, <c>propertyOrdering</c> from the order the
/// properties are written in, and keywords the dialect lacks (<c>additionalProperties</c>, <c>$schema</c>, <c>$defs</c>)
/// left out, since Gemini rejects unknown fields.
/// </summary>
internal static class GeminiSchema
{
    private const int MaxDepth = 32;
    private static readonly string[] Copied = ["description", "format", "title", "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern", "minProperties", "maxProperties"];

    public static void Write(Utf8JsonWriter writer, JsonElement schema) => Write(writer, schema, schema, 0);

    private static void Write(Utf8JsonWriter writer, JsonElement schema, JsonElement root, int depth)
    {
        if (depth > MaxDepth)
        {
            throw BatchAIException.InvalidInput("SchemaNotSupported", $"The JSON schema nests deeper than {MaxDepth} levels (a recursive $ref?); Gemini's response schema cannot express it.");
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        if (schema.StringOrNull("$ref") is { } reference)
        {
            Write(writer, Resolve(root, reference), root, depth + 1);
            return;
        }

        writer.WriteStartObject();
        var (type, nullable) = TypeOf(schema);
        if (type is not null)
        {
            writer.WriteString("type", type.ToUpperInvariant());
        }

        if (nullable)
        {
            writer.WriteBoolean("nullable", true);
        }

        foreach (var name in Copied)
        {
            if (schema.TryGetProperty(name, out var value))
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }

        if (schema.TryGetProperty("enum", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            // Gemini's enums are strings; numbers and booleans are written as their text.
            writer.WriteStartArray("enum");
            foreach (var choice in choices.EnumerateArray().Where(c => c.ValueKind != JsonValueKind.Null))
            {
                writer.WriteStringValue(choice.ValueKind == JsonValueKind.String ? choice.GetString() : choice.GetRawText());
            }

            writer.WriteEndArray();
        }

        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            writer.WriteStartObject("properties");
            foreach (var property in properties.EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                Write(writer, property.Value, root, depth + 1);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("propertyOrdering");
            foreach (var property in properties.EnumerateObject())
            {
                writer.WriteStringValue(property.Name);
            }

            writer.WriteEndArray();
        }

        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            writer.WritePropertyName("required");
            required.WriteTo(writer);
        }

        if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
        {
            writer.WritePropertyName("items");
            Write(writer, items, root, depth + 1);
        }

        if ((schema.TryGetProperty("anyOf", out var options) || schema.TryGetProperty("oneOf", out options)) && options.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray("anyOf");
            foreach (var option in options.EnumerateArray())
            {
                Write(writer, option, root, depth + 1);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static (string? Type, bool Nullable) TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return (schema.TryGetProperty("properties", out _) ? "object" : null, false);
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            var names = type.EnumerateArray().Select(t => t.GetString()).ToList();
            return (names.FirstOrDefault(n => n != "null"), names.Contains("null"));
        }

        return (type.GetString(), false);
    }

    private static JsonElement Resolve(JsonElement root, string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw BatchAIException.InvalidInput("SchemaNotSupported", $"The JSON schema refers to '{reference}'; only references inside the schema (#/$defs/…) can be given to Gemini.");
        }

        var current = root;
        foreach (var part in reference.Substring(2).Split('/'))
        {
            var name = part.Replace("~1", "/").Replace("~0", "~");
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                throw BatchAIException.InvalidInput("SchemaNotSupported", $"The JSON schema's reference '{reference}' points at nothing.");
            }
        }

        return current;
    }
}
