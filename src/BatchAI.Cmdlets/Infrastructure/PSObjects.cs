using System.Collections;
using System.Management.Automation;
using BatchAI.Jobs;
using BatchAI.Requests;

namespace BatchAI.Infrastructure;

/// <summary>Conversions between pipeline objects and the engine's plain values.</summary>
internal static class PSObjects
{
    public const string ResultRowTypeName = "BatchAI.ResultRow";

    /// <summary>
    /// The properties of a pipeline object as name/value pairs, in order: a hashtable's entries, or an object's
    /// properties (for Import-Csv rows, the columns). Values are unwrapped from PSObject.
    /// </summary>
    public static List<KeyValuePair<string, object?>> Pairs(PSObject input)
    {
        var pairs = new List<KeyValuePair<string, object?>>();
        if (input.BaseObject is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                pairs.Add(new(entry.Key?.ToString() ?? string.Empty, Unwrap(entry.Value)));
            }

            return pairs;
        }

        foreach (var property in input.Properties)
        {
            object? value;
            try
            {
                value = property.Value;
            }
            catch (GetValueInvocationException)
            {
                value = null; // A property whose getter throws contributes nothing rather than failing the record.
            }

            pairs.Add(new(property.Name, Unwrap(value)));
        }

        return pairs;
    }

    /// <summary>A result as a row: the job's source columns, then the result columns (see <see cref="ResultRows"/>).</summary>
    public static PSObject Row(BatchResult result, IReadOnlyList<string> sourceColumns, IReadOnlyList<string> resultColumns)
    {
        var row = new PSObject();
        row.TypeNames.Insert(0, ResultRowTypeName);
        foreach (var column in sourceColumns)
        {
            row.Properties.Add(new PSNoteProperty(column, result.Source.TryGetValue(column, out var value) ? RecordValue.ToPlain(value) : null));
        }

        var values = ResultRows.Values(result);
        for (var i = 0; i < values.Count; i++)
        {
            row.Properties.Add(new PSNoteProperty(resultColumns[i], values[i]));
        }

        return row;
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
