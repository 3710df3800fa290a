using System.Buffers.Text;
using System.Text.Json;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// The fields of a results-file row for a request that succeeded, read straight from the bytes of its stored request
/// line and its stored result line: the source values in the job's column order, then <c>custom_id, status, output,
/// error, input_tokens, output_tokens</c> (see <see cref="ResultRows"/>). No record, result object or string is made
/// per field: a join of a million results into a CSV file is mostly this. Anything outside that one shape (another
/// status, an error, a source value that is not text, columns in another order, a damaged line) is refused, and
/// the caller joins that record the general way, which gives the same row; the tests hold the two to the same bytes.
/// </summary>
internal sealed class SucceededRow
{
    private static readonly byte[] Succeeded = "Succeeded"u8.ToArray();

    /// <summary>The most digits a token count may have to be taken as written (nine: any such number fits an int).</summary>
    private const int MostCountDigits = 9;

    private readonly byte[][] _columns; // the job's source columns, as UTF-8
    private readonly int[] _ends; // where each field ends in _bytes
    private byte[] _bytes = new byte[4096];
    private int _length;

    public SucceededRow(IReadOnlyList<string> sourceColumns)
    {
        _columns = sourceColumns.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
        _ends = new int[_columns.Length + ResultRows.OwnColumns.Count];
    }

    /// <summary>How many fields a row has.</summary>
    public int FieldCount => _ends.Length;

    /// <summary>A field of the row last read (unescaped UTF-8).</summary>
    public ReadOnlySpan<byte> Field(int index)
    {
        var start = index == 0 ? 0 : _ends[index - 1];
        return new ReadOnlySpan<byte>(_bytes, start, _ends[index] - start);
    }

    /// <summary>
    /// Whether <paramref name="line"/>, written to the ledger, is a result line <see cref="TryRead(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
    /// takes: a success with a text, no error, and token counts of at most nine digits. What <see cref="KeptAnswers"/>
    /// keeps for <see cref="TryRead(ReadOnlySpan{byte}, KeptAnswer)"/>, so that both give the same rows.
    /// </summary>
    public static bool TakesAsItIs(ResultLine line) =>
        line.Status == ResultStatus.Succeeded && line.Text is not null && line.ErrorCode is null && line.ErrorMessage is null
        && IsCountTaken(line.InputTokens) && IsCountTaken(line.OutputTokens);

    /// <summary>Reads the row of <paramref name="request"/> and <paramref name="result"/>; false when it is not a success in the usual shape.</summary>
    public bool TryRead(ReadOnlySpan<byte> request, ReadOnlySpan<byte> result)
    {
        var field = 0;
        try
        {
            return TryReadRequest(request, ref field) && ReadResult(result, ref field) && field == _ends.Length;
        }
        catch (Exception error) when (IsRefusal(error))
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the row of <paramref name="request"/> and an answer the download kept for it (one that
    /// <see cref="TakesAsItIs"/>); false when the request is not in the usual shape.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> request, KeptAnswer answer)
    {
        var field = 0;
        try
        {
            if (!TryReadRequest(request, ref field))
            {
                return false;
            }
        }
        catch (Exception error) when (IsRefusal(error))
        {
            return false;
        }

        Add(answer.Text, ref field);
        Add(default, ref field); // no error
        AddCount(answer.InputTokens, ref field);
        AddCount(answer.OutputTokens, ref field);
        return field == _ends.Length;
    }

    /// <summary>
    /// A damaged line (JSON that does not read), or text that cannot be unescaped (a lone surrogate): refused, and the
    /// general way names or decides it.
    /// </summary>
    private static bool IsRefusal(Exception error) => error is JsonException or InvalidOperationException;

    private static bool IsCountTaken(int? count) => count is null or (>= 0 and < 1_000_000_000); // at most MostCountDigits digits, no sign

    private bool TryReadRequest(ReadOnlySpan<byte> request, ref int field)
    {
        _length = 0;
        field = 0;
        return ReadRequest(request, ref field);
    }

    /// <summary>The source values, then the custom id and the status.</summary>
    private bool ReadRequest(ReadOnlySpan<byte> request, ref int field)
    {
        var reader = new Utf8JsonReader(request);
        ReadOnlySpan<byte> id = default;
        var sourceRead = false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
                {
                    return false;
                }

                id = reader.ValueSpan;
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                reader.Read();
                if (sourceRead || reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                var column = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (column == _columns.Length || !reader.ValueTextEquals(_columns[column]))
                    {
                        return false; // another column, or in another place
                    }

                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false; // a number, a flag, null or JSON: written as the general way writes them
                    }

                    AddString(ref reader, ref field);
                    column++;
                }

                if (column != _columns.Length)
                {
                    return false;
                }

                sourceRead = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!sourceRead || id.IsEmpty)
        {
            return false;
        }

        Add(id, ref field);
        Add(Succeeded, ref field);
        return true;
    }

    /// <summary>The answer, no error, and the token counts.</summary>
    private bool ReadResult(ReadOnlySpan<byte> result, ref int field)
    {
        var reader = new Utf8JsonReader(result);
        Range input = default, output = default; // where each count's digits are in the line
        bool succeeded = false, answered = false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                succeeded = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(Succeeded);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                if (answered || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                AddString(ref reader, ref field);
                answered = true;
            }
            else if (reader.ValueTextEquals("inputTokens"u8))
            {
                if (!Count(ref reader, out input))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("outputTokens"u8))
            {
                if (!Count(ref reader, out output))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("errorCode"u8) || reader.ValueTextEquals("errorMessage"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!succeeded || !answered)
        {
            return false;
        }

        Add(default, ref field); // no error
        Add(result.Slice(input.Start, input.Length), ref field);
        Add(result.Slice(output.Start, output.Length), ref field);
        return true;
    }

    /// <summary>A token count as written: a whole number that fits an int, as the general way reads it.</summary>
    private static bool Count(ref Utf8JsonReader reader, out Range digits)
    {
        reader.Read();
        digits = new Range((int)reader.TokenStartIndex, reader.ValueSpan.Length);
        if (reader.TokenType != JsonTokenType.Number || reader.ValueSpan.Length > MostCountDigits)
        {
            return false;
        }

        foreach (var b in reader.ValueSpan)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Where some bytes are in a line (System.Range is not in netstandard2.0).</summary>
    private readonly struct Range(int start, int length)
    {
        public int Start { get; } = start;

        public int Length { get; } = length;
    }

    /// <summary>A token count as its digits, as a JSON writer writes them; nothing for none (-1).</summary>
    private void AddCount(int count, ref int field)
    {
        Span<byte> digits = stackalloc byte[MostCountDigits];
        var length = 0;
        if (count >= 0)
        {
            Utf8Formatter.TryFormat(count, digits, out length);
        }

        Add(digits.Slice(0, length), ref field);
    }

    private void AddString(ref Utf8JsonReader reader, ref int field)
    {
        if (!reader.ValueIsEscaped)
        {
            Add(reader.ValueSpan, ref field);
            return;
        }

        Reserve(reader.ValueSpan.Length); // unescaped text is never longer
        _length += reader.CopyString(new Span<byte>(_bytes, _length, _bytes.Length - _length));
        End(ref field);
    }

    private void Add(ReadOnlySpan<byte> value, ref int field)
    {
        Reserve(value.Length);
        value.CopyTo(new Span<byte>(_bytes, _length, value.Length));
        _length += value.Length;
        End(ref field);
    }

    private void End(ref int field) => _ends[field++] = _length; // never past the row's fields: the columns are counted

    private void Reserve(int count)
    {
        if (_length + count > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + count));
        }
    }
}
