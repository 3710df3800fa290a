using System.Globalization;

namespace BatchAI.Requests;

/// <summary>
/// One input record (a CSV row, a JSONL object, a PowerShell object) with its columns in their original order.
/// It travels with its request into the job ledger so that every result can be joined back to it.
/// Values are <see cref="string"/>, <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>,
/// <see cref="decimal"/>, <see cref="JsonText"/> or null; anything else is normalized on the way in.
/// </summary>
public sealed class SourceRecord
{
    private readonly object?[] _values;

    public SourceRecord(long rowNumber, ColumnSet columns, IReadOnlyList<object?> values, long? lineNumber = null)
    {
        if (rowNumber < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rowNumber), rowNumber, "Row numbers start at 1.");
        }

        Columns = columns ?? throw new ArgumentNullException(nameof(columns));
        if (values is null)
        {
            throw new ArgumentNullException(nameof(values));
        }

        if (values.Count != columns.Count)
        {
            throw new ArgumentException($"{values.Count} values were given for {columns.Count} columns.", nameof(values));
        }

        _values = new object?[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            _values[i] = RecordValue.Normalize(values[i]);
        }

        RowNumber = rowNumber;
        LineNumber = lineNumber;
    }

    /// <summary>A record of text fields (a CSV row's), taking <paramref name="fields"/> as its own: text needs no normalizing.</summary>
    internal SourceRecord(long rowNumber, ColumnSet columns, string?[] fields, long? lineNumber)
    {
        if (fields.Length != columns.Count)
        {
            throw new ArgumentException($"{fields.Length} values were given for {columns.Count} columns.", nameof(fields));
        }

        RowNumber = rowNumber;
        Columns = columns;
        _values = fields;
        LineNumber = lineNumber;
    }

    /// <summary>The 1-based number of the data record (the header is not counted).</summary>
    public long RowNumber { get; }

    /// <summary>The 1-based line of the input file where the record starts, when it came from a file.</summary>
    public long? LineNumber { get; }

    public ColumnSet Columns { get; }

    public IReadOnlyList<object?> Values => _values;

    /// <summary>"row 17" or "row 17 (line 19)": how every message names this record.</summary>
    public string Location => DescribeLocation(RowNumber, LineNumber);

    public static string DescribeLocation(long rowNumber, long? lineNumber) =>
        lineNumber is { } line && line != rowNumber
            ? string.Format(CultureInfo.InvariantCulture, "row {0} (line {1})", rowNumber, line)
            : string.Format(CultureInfo.InvariantCulture, "row {0}", rowNumber);

    /// <summary>Builds a record from name/value pairs in their enumeration order (a PowerShell object's properties).</summary>
    public static SourceRecord FromPairs(long rowNumber, IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        if (pairs is null)
        {
            throw new ArgumentNullException(nameof(pairs));
        }

        var names = new List<string>();
        var values = new List<object?>();
        foreach (var pair in pairs)
        {
            names.Add(pair.Key);
            values.Add(pair.Value);
        }

        return new SourceRecord(rowNumber, new ColumnSet(names), values);
    }

    public bool TryGetValue(string column, out object? value)
    {
        if (Columns.TryGetIndex(column, out var index))
        {
            value = _values[index];
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerable<KeyValuePair<string, object?>> Pairs()
    {
        for (var i = 0; i < _values.Length; i++)
        {
            yield return new KeyValuePair<string, object?>(Columns.Names[i], _values[i]);
        }
    }
}
