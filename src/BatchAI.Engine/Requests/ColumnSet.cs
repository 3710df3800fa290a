namespace BatchAI.Requests;

/// <summary>
/// The ordered column names of one or more records. Records read from the same CSV share one instance, so a
/// column is looked up once per file rather than once per row. Lookup is exact first, then case-insensitive
/// (PowerShell property names are case-insensitive); a case-insensitive name that matches two columns is ambiguous
/// and is not resolved.
/// </summary>
public sealed class ColumnSet
{
    private readonly Dictionary<string, int> _exact;
    private readonly Dictionary<string, int> _ignoreCase;
    private IReadOnlyList<IO.JsonName>? _jsonNames;

    public ColumnSet(IEnumerable<string> names)
    {
        if (names is null)
        {
            throw new ArgumentNullException(nameof(names));
        }

        var list = new List<string>();
        _exact = new Dictionary<string, int>(StringComparer.Ordinal);
        _ignoreCase = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            if (name is null)
            {
                throw new ArgumentException("A column name cannot be null.", nameof(names));
            }

            if (_exact.ContainsKey(name))
            {
                throw new DuplicateColumnException(name);
            }

            _exact.Add(name, list.Count);
            // -1 marks a case-insensitive name that two columns share: only an exact match can find them.
            _ignoreCase[name] = _ignoreCase.ContainsKey(name) ? -1 : list.Count;
            list.Add(name);
        }

        Names = list;
    }

    public IReadOnlyList<string> Names { get; }

    /// <summary>The names as JSON property names, encoded once for every record that shares this set.</summary>
    internal IReadOnlyList<IO.JsonName> JsonNames => _jsonNames ??= Names.Select(IO.JsonName.Of).ToList();

    public int Count => Names.Count;

    public bool TryGetIndex(string name, out int index)
    {
        if (_exact.TryGetValue(name, out index))
        {
            return true;
        }

        if (_ignoreCase.TryGetValue(name, out index) && index >= 0)
        {
            return true;
        }

        index = -1;
        return false;
    }

    public override string ToString() => string.Join(", ", Names);
}

/// <summary>Two columns of one record have the same name.</summary>
public sealed class DuplicateColumnException : BatchAIException
{
    public DuplicateColumnException(string column)
        : base(ErrorKind.InvalidInput, "InputColumnDuplicate", $"The column '{column}' appears more than once; every column needs its own name.")
    {
        Column = column;
    }

    public string Column { get; }
}
