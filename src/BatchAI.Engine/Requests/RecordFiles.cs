using System.Text;

namespace BatchAI.Requests;

/// <summary>Opens an input file as a stream of records, choosing the format from the file's extension.</summary>
public static class RecordFiles
{
    /// <summary>UTF-8 without a byte-order mark; a BOM on input is recognized and skipped.</summary>
    internal static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <exception cref="BatchAIException">The file does not exist, cannot be read, or has an unknown extension.</exception>
    public static IRecordSource Open(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw BatchAIException.InvalidInput("InputMissing", "No input file was given.");
        }

        var format = FormatOf(path);
        if (!File.Exists(path))
        {
            throw new BatchAIException(ErrorKind.NotFound, "InputNotFound", $"The input file '{path}' does not exist.");
        }

        Stream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BatchAIException(ErrorKind.InvalidInput, "InputUnreadable", $"The input file '{path}' cannot be read: {ex.Message}", ex);
        }

        return format switch
        {
            RecordFormat.Csv => CsvRecordSource.Open(stream, ',', path),
            RecordFormat.Tsv => CsvRecordSource.Open(stream, '\t', path),
            _ => new JsonlRecordSource(new StreamReader(stream, Utf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16)),
        };
    }

    public static RecordFormat FormatOf(string path)
    {
        var extension = Path.GetExtension(path ?? string.Empty).ToUpperInvariant();
        return extension switch
        {
            ".CSV" => RecordFormat.Csv,
            ".TSV" or ".TAB" => RecordFormat.Tsv,
            ".JSONL" or ".NDJSON" => RecordFormat.Jsonl,
            _ => throw BatchAIException.InvalidInput("InputFormatUnknown", $"'{path}' has an extension BatchAI does not read; use .csv, .tsv or .jsonl."),
        };
    }
}

public enum RecordFormat
{
    Csv,
    Tsv,
    Jsonl,
}
