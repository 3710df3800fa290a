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
                return RecordProblem.For(record, record.Columns.Names[i], "EncodingInvalid", "the field has bytes that are not valid UTF-8 (shown as \uFFFD); the file may be saved in another encoding, such as Windows-1252: save it as UTF-8 and submit again");
            }
        }

        return null;
    }
}
