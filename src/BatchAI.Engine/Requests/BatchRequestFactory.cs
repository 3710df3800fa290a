using System.Globalization;

namespace BatchAI.Requests;

/// <summary>
/// Turns records into <see cref="BatchRequest"/>s, one at a time, or says exactly what is wrong with a record.
/// It holds no records, only the set of custom ids seen so far, so it streams.
/// </summary>
public sealed class BatchRequestFactory
{
    private readonly RequestOptions _options;
    private readonly CustomIdMap? _seenIds;
    private static readonly List<RecordProblem> NoProblems = [];

    private ColumnSet? _lastCheckedColumns;
    private List<RecordProblem> _lastColumnProblems = [];

    /// <param name="detectDuplicateIds">
    /// Whether this factory rejects a custom id it has produced before. A job draft checks again across everything
    /// submitted together, so a caller feeding a draft directly can switch this off and keep one id set, not two.
    /// </param>
    public BatchRequestFactory(RequestOptions options, bool detectDuplicateIds = true)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _seenIds = detectDuplicateIds ? new CustomIdMap() : null;
    }

    /// <summary>
    /// Problems that every record with these columns would have (a placeholder or id column that is not there),
    /// so a caller reading a file can report them once instead of once per row.
    /// </summary>
    public IReadOnlyList<string> MissingColumns(ColumnSet columns)
    {
        if (columns is null)
        {
            throw new ArgumentNullException(nameof(columns));
        }

        var missing = new List<string>();
        if (_options.Prompt is { } template)
        {
            missing.AddRange(template.MissingColumns(columns));
        }

        if (_options.PromptColumn is { } promptColumn && !columns.TryGetIndex(promptColumn, out _))
        {
            missing.Add(promptColumn);
        }

        if (_options.IdColumn is { } idColumn && !columns.TryGetIndex(idColumn, out _))
        {
            missing.Add(idColumn);
        }

        return missing;
    }

    public RequestBuildResult Build(SourceRecord record)
    {
        if (record is null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        var columnProblems = CheckColumns(record);
        if (columnProblems.Count > 0)
        {
            return RequestBuildResult.Failed(columnProblems);
        }

        var problems = new List<RecordProblem>(0);
        var customId = ResolveCustomId(record, problems);
        var prompt = _options.Prompt is { } template
            ? template.Render(record)
            : record.TryGetValue(_options.PromptColumn!, out var value) ? RecordValue.ToText(value) : string.Empty;
        if (string.IsNullOrWhiteSpace(prompt))
        {
            problems.Add(PromptEmpty(record.RowNumber, record.LineNumber, _options.PromptColumn));
        }

        if (problems.Count > 0 || customId is null)
        {
            return RequestBuildResult.Failed(problems);
        }

        var request = new BatchRequest(customId, record, prompt, _options.Model, _options.SystemPrompt, _options.MaxOutputTokens, _options.Temperature, _options.Schema);
        return RequestBuildResult.Succeeded(request);
    }

    /// <summary>The problem of a record whose prompt is blank (one made from a template, or taken from a column).</summary>
    internal static RecordProblem PromptEmpty(long row, long? line, string? promptColumn) => new(
        row,
        line,
        promptColumn ?? "Prompt",
        "PromptEmpty",
        promptColumn is null ? "the prompt is empty once the template is filled in" : "the prompt column is empty");

    /// <summary>The problem of a record whose id column holds no valid custom id (<paramref name="why"/>: <see cref="CustomIds.Explain"/>).</summary>
    internal static RecordProblem CustomIdInvalid(long row, long? line, string idColumn, string why) => new(row, line, idColumn, "CustomIdInvalid", why);

    private List<RecordProblem> CheckColumns(SourceRecord record)
    {
        // Records from one file share a ColumnSet: check it once, then reuse the verdict for every row.
        if (!ReferenceEquals(record.Columns, _lastCheckedColumns))
        {
            _lastCheckedColumns = record.Columns;
            _lastColumnProblems = MissingColumns(record.Columns)
                .Select(column => new RecordProblem(0, null, column, "ColumnMissing", string.Format(CultureInfo.InvariantCulture, "there is no column '{0}' (columns: {1})", column, record.Columns)))
                .ToList();
        }

        return _lastColumnProblems.Count == 0
            ? NoProblems
            : _lastColumnProblems.Select(p => RecordProblem.For(record, p.Field, p.ErrorId, p.Message)).ToList();
    }

    private string? ResolveCustomId(SourceRecord record, List<RecordProblem> problems)
    {
        string id;
        if (_options.IdColumn is { } idColumn)
        {
            record.TryGetValue(idColumn, out var raw);
            id = RecordValue.ToText(raw);
            if (CustomIds.Explain(id) is { } problem)
            {
                problems.Add(CustomIdInvalid(record.RowNumber, record.LineNumber, idColumn, problem));
                return null;
            }
        }
        else
        {
            id = CustomIds.ForRow(record.RowNumber);
        }

        if (_seenIds is not null && !_seenIds.TryAdd(id, record.RowNumber, out var firstRow))
        {
            var message = string.Format(CultureInfo.InvariantCulture, "the custom id '{0}' was already used by row {1}", id, firstRow);
            problems.Add(RecordProblem.For(record, _options.IdColumn ?? "CustomId", "CustomIdDuplicate", message));
            return null;
        }

        return id;
    }
}

/// <summary>The request made from one record, or the problems that prevented it.</summary>
public sealed class RequestBuildResult
{
    private RequestBuildResult(BatchRequest? request, IReadOnlyList<RecordProblem> problems)
    {
        Request = request;
        Problems = problems;
    }

    public BatchRequest? Request { get; }

    public IReadOnlyList<RecordProblem> Problems { get; }

    public bool IsSuccess => Request is not null;

    internal static RequestBuildResult Succeeded(BatchRequest request) => new(request, []);

    internal static RequestBuildResult Failed(IReadOnlyList<RecordProblem> problems) => new(null, problems);
}
