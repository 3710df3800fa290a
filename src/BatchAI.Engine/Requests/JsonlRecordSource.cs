using System.Globalization;
using System.Text.Json;

namespace BatchAI.Requests;

/// <summary>
/// Reads JSON Lines: one JSON object per line, blank lines ignored. Strings and booleans become values; numbers,
/// objects and arrays keep their exact JSON text (<see cref="JsonText"/>). Consecutive lines with the same keys share
/// one <see cref="ColumnSet"/>.
/// </summary>
internal sealed class JsonlRecordSource(TextReader reader) : IRecordSource
{
    public ColumnSet? Columns => null;

    public IEnumerable<RecordReadResult> Read()
    {
        ColumnSet? previous = null;
        long line = 0;
        long row = 0;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            row++;
            var result = Parse(text, row, line, ref previous);
            yield return result;
        }
    }

    public void Dispose() => reader.Dispose();

    private static RecordReadResult Parse(string text, long row, long line, ref ColumnSet? previous)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            return RecordReadResult.Of(new RecordProblem(row, line, null, "JsonLineInvalid", "the line is not valid JSON: " + ex.Message));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                var kind = root.ValueKind.ToString().ToLowerInvariant();
                return RecordReadResult.Of(new RecordProblem(row, line, null, "JsonLineNotObject", $"the line holds a JSON {kind}, not an object"));
            }

            var names = new List<string>();
            var values = new List<object?>();
            foreach (var property in root.EnumerateObject())
            {
                names.Add(property.Name);
                values.Add(ToValue(property.Value));
            }

            if (previous is null || !SameNames(previous, names))
            {
                try
                {
                    previous = new ColumnSet(names);
                }
                catch (DuplicateColumnException ex)
                {
                    var message = string.Format(CultureInfo.InvariantCulture, "the key '{0}' appears more than once", ex.Column);
                    return RecordReadResult.Of(new RecordProblem(row, line, ex.Column, "JsonLineDuplicateKey", message));
                }
            }

            var record = new SourceRecord(row, previous, values, line);
            return EncodingCheck.Problem(record) is { } undecodable ? RecordReadResult.Of(undecodable) : RecordReadResult.Of(record);
        }
    }

    private static bool SameNames(ColumnSet columns, List<string> names)
    {
        if (columns.Count != names.Count)
        {
            return false;
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (!string.Equals(columns.Names[i], names[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => new JsonText(element.GetRawText()),
    };
}
