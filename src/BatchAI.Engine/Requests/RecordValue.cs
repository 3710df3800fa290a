using System.Collections;
using System.Globalization;
using System.Text.Json;
using BatchAI.IO;

namespace BatchAI.Requests;

/// <summary>How record values are normalized on the way in and turned into prompt text.</summary>
public static class RecordValue
{
    /// <summary>
    /// Maps any value a caller may hand us to the small set a <see cref="SourceRecord"/> holds. Integers widen to
    /// <see cref="long"/>, dates become ISO 8601 text, collections become <see cref="JsonText"/>, and anything else
    /// becomes its invariant-culture text.
    /// </summary>
    public static object? Normalize(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case string or bool or long or double or decimal or JsonText:
                return value;
            case int or short or sbyte or byte or ushort or uint:
                return Convert.ToInt64(value, CultureInfo.InvariantCulture);
            case ulong u:
                return u <= long.MaxValue ? (long)u : (decimal)u;
            case float f:
                return (double)f;
            case char c:
                return c.ToString();
            case DateTime d:
                return d.ToString("o", CultureInfo.InvariantCulture);
            case DateTimeOffset d:
                return d.ToString("o", CultureInfo.InvariantCulture);
            case Guid or TimeSpan or Enum or Uri:
                return Convert.ToString(value, CultureInfo.InvariantCulture);
            case IDictionary or IEnumerable when value is not string:
                return new JsonText(ToJson(value));
            default:
                return Convert.ToString(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The text a value contributes to a prompt: strings as they are, null as nothing, numbers invariant.</summary>
    public static string ToText(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>
    /// A value as a host language wants it: JSON numbers as <see cref="long"/> or <see cref="double"/>, other JSON
    /// (objects, arrays) as its text, everything else unchanged.
    /// </summary>
    public static object? ToPlain(object? value)
    {
        if (value is not JsonText json)
        {
            return value;
        }

        if (long.TryParse(json.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        return double.TryParse(json.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : json.Text;
    }

    private static string ToJson(object value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteJson(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Writes any value as JSON: the normalized kinds directly (<see cref="JsonText"/> as its raw text), dictionaries
    /// as objects and other collections as arrays. Used for the ledger, results files and collection values alike.
    /// </summary>
    internal static void WriteJson(Utf8JsonWriter writer, object? value, int depth = 0)
    {
        // The depth bound guards against self-referencing object graphs, which PowerShell objects can form.
        const int MaxDepth = 32;
        if (depth >= MaxDepth)
        {
            writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
            return;
        }

        if (value is IDictionary dictionary)
        {
            writer.WriteStartObject();
            foreach (DictionaryEntry entry in dictionary)
            {
                writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                WriteJson(writer, entry.Value, depth + 1);
            }

            writer.WriteEndObject();
            return;
        }

        if (value is IEnumerable sequence and not string)
        {
            writer.WriteStartArray();
            foreach (var item in sequence)
            {
                WriteJson(writer, item, depth + 1);
            }

            writer.WriteEndArray();
            return;
        }

        switch (Normalize(value))
        {
            case string s:
                writer.WriteTextValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d when double.IsNaN(d) || double.IsInfinity(d):
                writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case JsonText json:
                writer.WriteRawValue(json.Text);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
