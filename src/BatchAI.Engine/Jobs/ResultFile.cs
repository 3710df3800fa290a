using System.Text.Json;
using BatchAI.IO;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// The job's results as the provider returned them, one JSON line each, appended as they are downloaded. A result
/// downloaded twice (after an interrupted receive) is simply appended again: the later line wins.
/// </summary>
internal static class ResultFile
{
    public static void Write(Utf8JsonWriter writer, ResultLine line)
    {
        writer.WriteStartObject();
        writer.WriteString("id", line.CustomId);
        writer.WriteString("status", line.Status.ToString());
        if (line.Text is not null)
        {
            writer.WriteString("text", line.Text);
        }

        if (line.InputTokens is { } input)
        {
            writer.WriteNumber("inputTokens", input);
        }

        if (line.CachedInputTokens is { } cached)
        {
            writer.WriteNumber("cachedInputTokens", cached);
        }

        if (line.OutputTokens is { } output)
        {
            writer.WriteNumber("outputTokens", output);
        }

        if (line.ErrorCode is not null)
        {
            writer.WriteString("errorCode", line.ErrorCode);
        }

        if (line.ErrorMessage is not null)
        {
            writer.WriteString("errorMessage", line.ErrorMessage);
        }

        if (line.Retryable)
        {
            writer.WriteBoolean("retryable", true);
        }

        if (line.BatchId is not null)
        {
            writer.WriteString("batch", line.BatchId);
        }

        if (line.Details.Count > 0)
        {
            writer.WriteStartObject("details");
            foreach (var pair in line.Details)
            {
                writer.WriteString(pair.Key, pair.Value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    public static ResultLine Parse(string text) => Parse(new ReadOnlyMemory<byte>(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>A line from its UTF-8 bytes (what the results file holds), with no string made of the whole line.</summary>
    public static ResultLine Parse(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        var root = document.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        int? Number(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            foreach (var pair in d.EnumerateObject())
            {
                details[pair.Name] = pair.Value.GetString() ?? string.Empty;
            }
        }

        return new ResultLine
        {
            CustomId = Text("id")!,
            Status = (ResultStatus)Enum.Parse(typeof(ResultStatus), Text("status")!),
            Text = Text("text"),
            InputTokens = Number("inputTokens"),
            CachedInputTokens = Number("cachedInputTokens"),
            OutputTokens = Number("outputTokens"),
            ErrorCode = Text("errorCode"),
            ErrorMessage = Text("errorMessage"),
            Retryable = root.TryGetProperty("retryable", out var r) && r.ValueKind == JsonValueKind.True,
            BatchId = Text("batch"),
            Details = details,
        };
    }

    /// <summary>
    /// Where each custom id's latest result starts in the file. Only ids and offsets are held (see
    /// <see cref="CustomIdMap"/>), so results that arrived in any order join back without loading them all.
    /// </summary>
    public static CustomIdMap Index(string path) => Scan(path, (line, offset) => (IdOf(line), offset));

    /// <summary>
    /// Each custom id's latest outcome: its status and whether it may be retried, packed in one number (read it with
    /// <see cref="StatusOf"/> and <see cref="RetryableOf"/>). Counting a job's records needs no more, so no text is
    /// made into a string.
    /// </summary>
    public static CustomIdMap Outcomes(string path) => Scan(path, (line, _) => OutcomeOf(line));

    public static ResultStatus StatusOf(long outcome) => (ResultStatus)(outcome & 0xFF);

    public static bool RetryableOf(long outcome) => (outcome & RetryableFlag) != 0;

    private const long RetryableFlag = 0x100;

    private static CustomIdMap Scan(string path, Func<byte[], long, (string Id, long Value)> read)
    {
        var map = new CustomIdMap();
        if (!File.Exists(path))
        {
            return map;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

        // A last line without its newline was cut short by a crash mid-append: it is left out, and downloaded again.
        foreach (var line in LineFiles.Read(stream, includeUnterminatedLast: false))
        {
            if (line.Bytes.Length > 0)
            {
                var (id, value) = read(line.Bytes, line.Offset);
                map.Set(id, value);
            }
        }

        return map;
    }

    private static string IdOf(byte[] line)
    {
        var reader = new Utf8JsonReader(line);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                return reader.GetString()!;
            }
        }

        throw Corrupt();
    }

    private static (string Id, long Outcome) OutcomeOf(byte[] line)
    {
        var reader = new Utf8JsonReader(line);
        string? id = null;
        ResultStatus? status = null;
        var retryable = false;
        reader.Read(); // the line's object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                status = (ResultStatus)Enum.Parse(typeof(ResultStatus), reader.GetString()!);
            }
            else if (reader.ValueTextEquals("retryable"u8))
            {
                reader.Read();
                retryable = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Read();
                reader.Skip(); // a value we do not need (the answer's text, the details)
            }
        }

        return id is null || status is null ? throw Corrupt() : (id, (long)status.Value | (retryable ? RetryableFlag : 0));
    }

    private static BatchAIException Corrupt() => new(ErrorKind.Protocol, "JobResultsCorrupt", "A line of the results file has no id or status.");
}
