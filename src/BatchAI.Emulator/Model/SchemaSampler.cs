using System.Globalization;
using System.Text.Json;

namespace BatchAI.Emulator.Model;

/// <summary>
/// Writes a JSON value that a JSON Schema accepts, chosen deterministically from a seed: the same record gets the same
/// answer every run, and different records get different enum members and numbers, like a real model would.
/// Supports what structured-output schemas use: type (or a type list), properties/required, items and item counts,
/// enum, const, anyOf/oneOf/allOf, $ref into $defs or definitions, string formats and length bounds, and numeric bounds.
/// </summary>
internal sealed class SchemaSampler(JsonElement root, string seed)
{
    private const int MaxDepth = 24;

    public void Write(Utf8JsonWriter writer) => Write(writer, root, "$", 0);

    private void Write(Utf8JsonWriter writer, JsonElement schema, string path, int depth)
    {
        if (depth > MaxDepth || schema.ValueKind != JsonValueKind.Object)
        {
            // "true" or {} accepts anything; past the depth bound, a recursive schema gets a leaf.
            writer.WriteNullValue();
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference) && Resolve(reference.GetString()) is { } target)
        {
            Write(writer, target, path, depth + 1);
            return;
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            constant.WriteTo(writer);
            return;
        }

        if (schema.TryGetProperty("enum", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            choices[Pick(path, choices.GetArrayLength())].WriteTo(writer);
            return;
        }

        foreach (var combinator in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(combinator, out var options) && options.ValueKind == JsonValueKind.Array && options.GetArrayLength() > 0)
            {
                Write(writer, FirstNonNull(options), path, depth + 1);
                return;
            }
        }

        if (schema.TryGetProperty("allOf", out var all) && all.ValueKind == JsonValueKind.Array && all.GetArrayLength() > 0)
        {
            WriteAllOf(writer, all, path, depth);
            return;
        }

        switch (TypeOf(schema))
        {
            case "object":
                WriteObject(writer, [schema], path, depth);
                break;
            case "array":
                WriteArray(writer, schema, path, depth);
                break;
            case "integer":
                writer.WriteNumberValue(Integer(schema, path));
                break;
            case "number":
                writer.WriteNumberValue(Number(schema, path));
                break;
            case "boolean":
                writer.WriteBooleanValue(Pick(path, 2) == 0);
                break;
            case "null":
                writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue(Text(schema, path));
                break;
        }
    }

    private void WriteAllOf(Utf8JsonWriter writer, JsonElement all, string path, int depth)
    {
        var parts = all.EnumerateArray().Select(p => p.TryGetProperty("$ref", out var r) ? Resolve(r.GetString()) ?? p : p).ToList();
        if (parts.All(p => TypeOf(p) == "object"))
        {
            WriteObject(writer, parts, path, depth);
        }
        else
        {
            Write(writer, parts[0], path, depth + 1);
        }
    }

    private void WriteObject(Utf8JsonWriter writer, IReadOnlyList<JsonElement> schemas, string path, int depth)
    {
        writer.WriteStartObject();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var schema in schemas)
        {
            var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
                ? r.EnumerateArray().Select(e => e.GetString()).ToList()
                : [];
            if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            // Required properties always; optional ones too, which strict schemas (all required) need anyway.
            foreach (var property in properties.EnumerateObject())
            {
                if (written.Add(property.Name) && (required.Contains(property.Name) || Pick(path + "/" + property.Name + "?", 4) != 0))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, path + "/" + property.Name, depth + 1);
                }
            }
        }

        writer.WriteEndObject();
    }

    private void WriteArray(Utf8JsonWriter writer, JsonElement schema, string path, int depth)
    {
        var min = IntKeyword(schema, "minItems") ?? 1;
        var max = IntKeyword(schema, "maxItems") ?? Math.Max(min, 3);
        var count = min + Pick(path + "#", Math.Max(1, max - min + 1));
        var items = schema.TryGetProperty("items", out var i) ? i : default;
        writer.WriteStartArray();
        for (var n = 0; n < count; n++)
        {
            if (items.ValueKind == JsonValueKind.Object)
            {
                Write(writer, items, path + "/" + n.ToString(CultureInfo.InvariantCulture), depth + 1);
            }
            else
            {
                writer.WriteStringValue("emulated item " + (n + 1).ToString(CultureInfo.InvariantCulture));
            }
        }

        writer.WriteEndArray();
    }

    private long Integer(JsonElement schema, string path)
    {
        var low = (long)Math.Ceiling(Bound(schema, "minimum", "exclusiveMinimum", 1, up: true) ?? 0);
        var high = (long)Math.Floor(Bound(schema, "maximum", "exclusiveMaximum", 1, up: false) ?? low + 100);
        if (high < low)
        {
            return low;
        }

        var value = low + Pick(path, (int)Math.Min(high - low + 1, int.MaxValue));
        if (NumberKeyword(schema, "multipleOf") is { } step && step >= 1)
        {
            var multiple = (long)step;
            var rounded = (long)Math.Ceiling(value / (double)multiple) * multiple;
            value = rounded <= high ? rounded : (long)Math.Floor(high / (double)multiple) * multiple;
        }

        return value;
    }

    private double Number(JsonElement schema, string path)
    {
        var low = Bound(schema, "minimum", "exclusiveMinimum", 0.01, up: true) ?? 0;
        var high = Bound(schema, "maximum", "exclusiveMaximum", 0.01, up: false) ?? low + 1;
        if (high < low)
        {
            return low;
        }

        return Math.Round(low + ((high - low) * Pick(path, 101) / 100.0), 2);
    }

    private string Text(JsonElement schema, string path)
    {
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        var n = Pick(path, 28) + 1;
        var text = format switch
        {
            "date" => string.Format(CultureInfo.InvariantCulture, "2026-01-{0:00}", n),
            "date-time" => string.Format(CultureInfo.InvariantCulture, "2026-01-{0:00}T09:30:00Z", n),
            "time" => "09:30:00",
            "email" => string.Format(CultureInfo.InvariantCulture, "emulated{0}@example.com", n),
            "uri" or "url" => string.Format(CultureInfo.InvariantCulture, "https://example.com/emulated/{0}", n),
            "uuid" => string.Format(CultureInfo.InvariantCulture, "00000000-0000-4000-8000-{0:000000000000}", n),
            "ipv4" => string.Format(CultureInfo.InvariantCulture, "192.0.2.{0}", n),
            _ => "emulated " + LastSegment(path) + " " + n.ToString(CultureInfo.InvariantCulture),
        };
        var minLength = IntKeyword(schema, "minLength") ?? 0;
        var maxLength = IntKeyword(schema, "maxLength") ?? int.MaxValue;
        if (text.Length < minLength)
        {
            text = text.PadRight(minLength, 'x');
        }

        return text.Length > maxLength ? text.Substring(0, maxLength) : text;
    }

    private static string? TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? "object" : schema.TryGetProperty("items", out _) ? "array" : "string";
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            // ["string", "null"]: answer with the non-null type, as a model usually would.
            var types = type.EnumerateArray().Select(t => t.GetString()?.ToLowerInvariant()).ToList();
            return types.FirstOrDefault(t => t != "null") ?? "null";
        }

        // Gemini's schema dialect (an OpenAPI 3.0 subset) writes the types in capitals: OBJECT, STRING.
        return type.GetString()?.ToLowerInvariant();
    }

    private static JsonElement FirstNonNull(JsonElement options) =>
        options.EnumerateArray().FirstOrDefault(o => TypeOf(o) != "null") is { ValueKind: JsonValueKind.Object } choice ? choice : options[0];

    private static double? Bound(JsonElement schema, string inclusive, string exclusive, double epsilon, bool up)
    {
        if (NumberKeyword(schema, inclusive) is { } value)
        {
            return value;
        }

        return NumberKeyword(schema, exclusive) is { } open ? (up ? open + epsilon : open - epsilon) : null;
    }

    private static double? NumberKeyword(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static int? IntKeyword(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;

    private static string LastSegment(string path)
    {
        var segments = path.Split('/');
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            if (!int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out _) && segments[i] != "$")
            {
                return segments[i];
            }
        }

        return "value";
    }

    private JsonElement? Resolve(string? reference)
    {
        if (reference is null || !reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return null;
        }

        var node = root;
        foreach (var raw in reference.Substring(2).Split('/'))
        {
            var name = raw.Replace("~1", "/").Replace("~0", "~");
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out node))
            {
                return null;
            }
        }

        return node;
    }

    private int Pick(string path, int count) => count <= 1 ? 0 : (int)(Http.Ids.Stable(seed + "|" + path) % (uint)count);
}
