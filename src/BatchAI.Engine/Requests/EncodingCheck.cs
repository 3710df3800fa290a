namespace BatchAI.Requests;

/// <summary>
/// Input is read as UTF-8, and bytes that are not UTF-8 decode to U+FFFD (the replacement character). A field holding
/// it is reported, not sent: the prompt would reach the model garbled and the output file would not match the input.
/// The usual cause is a file saved in a legacy code page (Excel's "CSV" is Windows-1252 on many machines).
/// </summary>
internal static class EncodingCheck
{
    private const char Replacement = '\uFFFD';

    public static RecordProblem? Problem(SourceRecord record)
    {
        for (var i = 0; i < record.Values.Count; i++)
        {
            if (record.Values[i] is string text && text.IndexOf(Replacement) >= 0)
            {
                return ProblemWith(record.RowNumber, record.LineNumber, record.Columns.Names[i]);
            }
        }

        return null;
    }

    public static RecordProblem ProblemWith(long row, long? line, string column) =>
        new(row, line, column, "EncodingInvalid", "the field has bytes that are not valid UTF-8 (shown as \uFFFD); the file may be saved in another encoding, such as Windows-1252: save it as UTF-8 and submit again");

    /// <summary>
    /// The same check on a field's UTF-8 bytes, before they become text: bytes that are not UTF-8, or U+FFFD itself
    /// (which the text check cannot tell from a decoding failure either).
    /// </summary>
    public static bool IsUndecodable(ReadOnlySpan<byte> utf8)
    {
        var i = 0;
        while (i < utf8.Length)
        {
            var b = utf8[i];
            if (b < 0x80)
            {
                i++;
                continue;
            }

            // The shortest well-formed sequences only (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
            int length;
            int min;
            if (b is >= 0xC2 and <= 0xDF)
            {
                (length, min) = (2, 0x80);
            }
            else if (b is >= 0xE0 and <= 0xEF)
            {
                (length, min) = (3, 0x800);
            }
            else if (b is >= 0xF0 and <= 0xF4)
            {
                (length, min) = (4, 0x10000);
            }
            else
            {
                return true;
            }

            if (i + length > utf8.Length)
            {
                return true;
            }

            var scalar = b & (0xFF >> (length + 1));
            for (var k = 1; k < length; k++)
            {
                var next = utf8[i + k];
                if ((next & 0xC0) != 0x80)
                {
                    return true;
                }

                scalar = (scalar << 6) | (next & 0x3F);
            }

            if (scalar < min || scalar > 0x10FFFF || scalar is >= 0xD800 and <= 0xDFFF || scalar == Replacement)
            {
                return true;
            }

            i += length;
        }

        return false;
    }
}
