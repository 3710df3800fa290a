using System.Globalization;

namespace BatchAI.Requests;

/// <summary>Why one record could not become a request: which record, which field, and what is wrong with it.</summary>
public sealed class RecordProblem
{
    public RecordProblem(long rowNumber, long? lineNumber, string? field, string errorId, string message)
    {
        RowNumber = rowNumber;
        LineNumber = lineNumber;
        Field = field;
        ErrorId = errorId ?? throw new ArgumentNullException(nameof(errorId));
        Message = message ?? throw new ArgumentNullException(nameof(message));
    }

    public long RowNumber { get; }

    public long? LineNumber { get; }

    /// <summary>The column or parameter at fault; null when the whole record is.</summary>
    public string? Field { get; }

    /// <summary>A stable id such as <c>CustomIdInvalid</c>.</summary>
    public string ErrorId { get; }

    public string Message { get; }

    public static RecordProblem For(SourceRecord record, string? field, string errorId, string message)
    {
        if (record is null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        return new RecordProblem(record.RowNumber, record.LineNumber, field, errorId, message);
    }

    /// <summary>"row 5 (line 7), field 'Ticket': the prompt is empty".</summary>
    public override string ToString() => Field is null
        ? string.Format(CultureInfo.InvariantCulture, "{0}: {1}", SourceRecord.DescribeLocation(RowNumber, LineNumber), Message)
        : string.Format(CultureInfo.InvariantCulture, "{0}, field '{1}': {2}", SourceRecord.DescribeLocation(RowNumber, LineNumber), Field, Message);
}

/// <summary>Input that was rejected before anything was sent; <see cref="Problems"/> lists every record at fault.</summary>
public sealed class InvalidRecordsException : BatchAIException
{
    public InvalidRecordsException(IReadOnlyList<RecordProblem> problems, long problemCount)
        : base(ErrorKind.InvalidInput, "RecordsInvalid", Describe(problems, problemCount))
    {
        Problems = problems;
        ProblemCount = problemCount;
    }

    /// <summary>The problems reported (the first ones, when there were very many).</summary>
    public IReadOnlyList<RecordProblem> Problems { get; }

    public long ProblemCount { get; }

    private static string Describe(IReadOnlyList<RecordProblem> problems, long count)
    {
        var first = problems.Count > 0 ? " First: " + problems[0] : string.Empty;
        return string.Format(CultureInfo.InvariantCulture, "{0} record(s) are invalid; nothing was submitted.{1}", count, first);
    }
}
