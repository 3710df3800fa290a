namespace BatchAI.Requests;

/// <summary>One step of reading an input file: a record, or the problem that made a record unreadable.</summary>
public readonly struct RecordReadResult
{
    private RecordReadResult(SourceRecord? record, RecordProblem? problem)
    {
        Record = record;
        Problem = problem;
    }

    public SourceRecord? Record { get; }

    public RecordProblem? Problem { get; }

    public static RecordReadResult Of(SourceRecord record) => new(record ?? throw new ArgumentNullException(nameof(record)), null);

    public static RecordReadResult Of(RecordProblem problem) => new(null, problem ?? throw new ArgumentNullException(nameof(problem)));
}

/// <summary>A file of records, read forward once. Nothing is held beyond the record being read.</summary>
public interface IRecordSource : IDisposable
{
    /// <summary>The columns every record has, when the format declares them up front (a CSV header); else null.</summary>
    ColumnSet? Columns { get; }

    IEnumerable<RecordReadResult> Read();
}
