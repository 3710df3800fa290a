using System.Text.Json;

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

    /// <summary>Reads the row of <paramref name="request"/> and <paramref name="result"/>; false when it is not a success in the usual shape.</summary>
    public bool TryRead(ReadOnlySpan<byte> request, ReadOnlySpan<byte> result)
    {
        _length = 0;
        var field = 0;
        try
        {
            return ReadRequest(request, ref field) && ReadResult(result, ref field) && field == _ends.Length;
        }
        catch (JsonException)
        {
            return false; // a damaged line: the general way names it
        }
        catch (InvalidOperationException)
        {
            return false; // text that cannot be unescaped (a lone surrogate): the general way decides
        }
    }

    /// <summary>
    /// Reads the row of <paramref name="request"/> and an answer the download kept for it (see
    /// <see cref="KeptAnswers"/>, which keeps only what <see cref="ReadResult"/> would take from the answer's line);
    /// false when the request is not in the usual shape.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> request, KeptAnswer answer)
    {
        _length = 0;
        var field = 0;
        try
        {
            if (!ReadRequest(request, ref field))
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        Add(answer.Text, ref field);
        Add(default, ref field); // no error
        AddCount(answer.InputTokens, ref field);
        AddCount(answer.OutputTokens, ref field);
        return field == _ends.Length;
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
        if (reader.TokenType != JsonTokenType.Number || reader.ValueSpan.Length > 9)
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
        Span<byte> digits = stackalloc byte[10];
        var length = 0;
        if (count >= 0)
        {
            var left = count;
            do
            {
                digits[digits.Length - ++length] = (byte)('0' + (left % 10));
                left /= 10;
            }
            while (left > 0);
        }

        Add(digits.Slice(digits.Length - length), ref field);
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
