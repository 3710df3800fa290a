using System.Globalization;
using CsvHelper;

namespace BatchAI.Requests;

/// <summary>
/// Reads RFC 4180 CSV with a header row. Fields are taken exactly as written (no trimming; quoted separators,
/// quotes and line breaks kept), so they can be written back unchanged. A row with a different number of fields
/// from the header, or with broken quoting, is reported as a problem naming its row and line, never guessed at.
/// Rows are numbered by their position in the file, bad rows included, so generated ids stay stable.
/// </summary>
internal sealed class CsvRecordSource : IRecordSource
{
    private readonly CsvReader _reader;
    private readonly Queue<CsvMalformedRecord> _skipped;

    private CsvRecordSource(CsvReader reader, Queue<CsvMalformedRecord> skipped, ColumnSet columns)
    {
        _reader = reader;
        _skipped = skipped;
        Columns = columns;
    }

    public ColumnSet? Columns { get; }

    public static CsvRecordSource Open(Stream stream, char separator, string description)
    {
        var skipped = new Queue<CsvMalformedRecord>();
        var reader = CsvReader.Create(stream, CsvHelperOptions.Reader(separator, skipped.Enqueue), leaveOpen: false);
        try
        {
            var header = reader.Headers;
            if (header.Count == 0 || (header.Count == 1 && header[0].Length == 0 && !reader.Read()))
            {
                throw BatchAIException.InvalidInput("InputEmpty", $"'{description}' is empty: a CSV file needs a header row naming its columns.");
            }

            for (var i = 0; i < header.Count; i++)
            {
                if (header[i].Length == 0)
                {
                    throw BatchAIException.InvalidInput("InputColumnUnnamed", string.Format(CultureInfo.InvariantCulture, "Column {0} of the header of '{1}' has no name; every column needs one.", i + 1, description));
                }
            }

            return new CsvRecordSource(reader, skipped, new ColumnSet(header));
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public IEnumerable<RecordReadResult> Read()
    {
        var columns = Columns!;
        foreach (var problem in ReadRows())
        {
            if (problem is not null)
            {
                yield return RecordReadResult.Of(problem);
                continue;
            }

            var values = new string?[_reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = _reader.GetString(i);
            }

            var record = new SourceRecord(RowNumber, columns, values, LineNumber);
            yield return EncodingCheck.Problem(record) is { } undecodable ? RecordReadResult.Of(undecodable) : RecordReadResult.Of(record);
        }
    }

    /// <summary>The current row's number (see <see cref="ReadRows"/>).</summary>
    internal long RowNumber { get; private set; }

    /// <summary>The line the current row starts on.</summary>
    internal long LineNumber => _reader.LineNumber;

    /// <summary>A field of the current row as UTF-8 bytes, quotes removed; valid until the next row.</summary>
    internal ReadOnlySpan<byte> Field(int index) => _reader.GetSpan(index);

    /// <summary>
    /// Reads the rows without making records of them: each step is a row's problem, or null when a row is ready to
    /// be read in place (<see cref="RowNumber"/>, <see cref="LineNumber"/>, <see cref="Field"/>). Rows are numbered by
    /// their position in the file, bad rows included.
    /// </summary>
    internal IEnumerable<RecordProblem?> ReadRows()
    {
        var columns = Columns!;
        long row = 0;
        while (true)
        {
            var more = _reader.Read();

            // Rows the reader skipped come before the row it returns: report them first, in file order.
            while (_skipped.Count > 0)
            {
                var bad = _skipped.Dequeue();
                if (bad.Skipped)
                {
                    row++;
                    RowNumber = row;
                    yield return new RecordProblem(row, bad.LineNumber, null, ErrorIdFor(bad.Reason), Describe(bad, columns.Count));
                }
            }

            if (!more)
            {
                yield break;
            }

            row++;
            RowNumber = row;
            yield return null;
        }
    }

    public void Dispose() => _reader.Dispose();

    private static string ErrorIdFor(CsvMalformedReason reason) =>
        reason == CsvMalformedReason.FieldCountMismatch ? "CsvRowRagged" : "CsvRowMalformed";

    private static string Describe(CsvMalformedRecord bad, int columnCount) => bad.Reason switch
    {
        CsvMalformedReason.FieldCountMismatch => string.Format(CultureInfo.InvariantCulture, "the row's number of fields differs from the header's {0} column(s)", columnCount),
        CsvMalformedReason.StrayQuote => "the row has a quote inside an unquoted field; a field that contains quotes must be quoted, with its quotes doubled",
        CsvMalformedReason.TextAfterClosingQuote => "the row has text after the closing quote of a field; quotes inside a quoted field must be doubled",
        CsvMalformedReason.UnterminatedQuote => "a quoted field that starts in this row is never closed",
        _ => "the row's quoting is malformed (" + bad.Reason + ")",
    };
}
