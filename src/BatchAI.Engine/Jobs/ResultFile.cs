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
    private static readonly string[] StatusNames = Enum.GetNames(typeof(ResultStatus));

    [ThreadStatic]
    private static Dictionary<string, JsonName>? t_detailNames;

    /// <summary>The line's property names, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonName Id = JsonName.Of("id");
        public static readonly JsonName Status = JsonName.Of("status");
        public static readonly JsonName Text = JsonName.Of("text");
        public static readonly JsonName InputTokens = JsonName.Of("inputTokens");
        public static readonly JsonName CachedInputTokens = JsonName.Of("cachedInputTokens");
        public static readonly JsonName OutputTokens = JsonName.Of("outputTokens");
        public static readonly JsonName ErrorCode = JsonName.Of("errorCode");
        public static readonly JsonName ErrorMessage = JsonName.Of("errorMessage");
        public static readonly JsonName Retryable = JsonName.Of("retryable");
        public static readonly JsonName Batch = JsonName.Of("batch");
        public static readonly JsonName Details = JsonName.Of("details");
    }

    public static void Write(JsonLine json, ResultLine line)
    {
        json.StartObject();
        json.Text(Names.Id, line.CustomId);
        json.Text(Names.Status, StatusText(line.Status));
        if (line.Text is not null)
        {
            json.Text(Names.Text, line.Text);
        }

        if (line.InputTokens is { } input)
        {
            json.Number(Names.InputTokens, input);
        }

        if (line.CachedInputTokens is { } cached)
        {
            json.Number(Names.CachedInputTokens, cached);
        }

        if (line.OutputTokens is { } output)
        {
            json.Number(Names.OutputTokens, output);
        }

        if (line.ErrorCode is not null)
        {
            json.Text(Names.ErrorCode, line.ErrorCode);
        }

        if (line.ErrorMessage is not null)
        {
            json.Text(Names.ErrorMessage, line.ErrorMessage);
        }

        if (line.Retryable)
        {
            json.Boolean(Names.Retryable, true);
        }

        if (line.BatchId is not null)
        {
            json.Text(Names.Batch, line.BatchId);
        }

        if (line.Details.Count > 0)
        {
            json.StartObject(Names.Details);
            if (line.Details is ResultDetails details)
            {
                foreach (var pair in details.Pairs)
                {
                    Detail(json, pair);
                }
            }
            else
            {
                foreach (var pair in line.Details)
                {
                    Detail(json, pair);
                }
            }

            json.EndObject();
        }

        json.EndObject();
    }

    private static void Detail(JsonLine json, KeyValuePair<string, string> pair)
    {
        json.Name(DetailName(pair.Key));
        json.Text(pair.Value);
    }

    /// <summary>
    /// Whether <paramref name="utf8"/> is a line <see cref="Write"/> wrote for <paramref name="customId"/>: it starts
    /// with the id, and a valid id (letters, digits, '_' and '-') is written as it is.
    /// </summary>
    public static bool IsLineOf(ReadOnlySpan<byte> utf8, string customId)
    {
        var prefix = "{\"id\":\""u8;
        return utf8.Length >= prefix.Length + customId.Length + 1 && utf8.StartsWith(prefix) && utf8[prefix.Length + customId.Length] == (byte)'"'
            && CustomIds.IsSame(utf8.Slice(prefix.Length, customId.Length), customId);
    }

    // Status words and detail names repeat on every line: each is made once.
    private static string StatusText(ResultStatus status) => StatusNames[(int)status];

    private static JsonName DetailName(string key)
    {
        var names = t_detailNames ??= new Dictionary<string, JsonName>(StringComparer.Ordinal);
        if (!names.TryGetValue(key, out var name))
        {
            name = JsonName.Of(key);
            if (names.Count < 64)
            {
                names[key] = name;
            }
        }

        return name;
    }

    /// <summary>
    /// A line from its UTF-8 bytes (what the results file holds), read token by token rather than through a document
    /// per line: a join reads a million of them.
    /// </summary>
    /// <param name="utf8">The line.</param>
    /// <param name="owned">
    /// The caller hands the bytes over for good (they are not a view of a buffer that is read into again): the
    /// details are then read from them only when first asked for (see <see cref="LazyDetails"/>). A join of a million
    /// results into a CSV file never asks, and making their strings was a fifth of reading a line.
    /// </param>
    public static ResultLine Parse(ReadOnlyMemory<byte> utf8, bool owned = false)
    {
        try
        {
            return Read(utf8, owned);
        }
        catch (Exception error) when (LedgerJson.IsDamage(error))
        {
            throw new BatchAIException(ErrorKind.Protocol, "JobResultsCorrupt", $"A line of the job's results file is damaged: {error.Message}");
        }
    }

    private static ResultLine Read(ReadOnlyMemory<byte> utf8, bool owned)
    {
        var reader = new Utf8JsonReader(utf8.Span);
        string? id = null, text = null, errorCode = null, errorMessage = null, batch = null;
        ResultStatus? status = null;
        int? input = null, cached = null, output = null;
        var retryable = false;
        var details = ResultDetails.None;
        reader.Read(); // the line's object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Field(ref reader);
            reader.Read();
            switch (name)
            {
                case LineField.Id: id = reader.GetString(); break;
                case LineField.Status: status = ReadStatus(ref reader); break;
                case LineField.Text: text = reader.GetString(); break;
                case LineField.InputTokens: input = reader.GetInt32(); break;
                case LineField.CachedInputTokens: cached = reader.GetInt32(); break;
                case LineField.OutputTokens: output = reader.GetInt32(); break;
                case LineField.ErrorCode: errorCode = reader.GetString(); break;
                case LineField.ErrorMessage: errorMessage = reader.GetString(); break;
                case LineField.Retryable: retryable = reader.TokenType == JsonTokenType.True; break;
                case LineField.Batch: batch = reader.GetString(); break;
                case LineField.Details:
                    if (owned)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        details = new LazyDetails(utf8.Slice(start, (int)reader.BytesConsumed - start));
                    }
                    else
                    {
                        details = ReadDetails(ref reader);
                    }

                    break;
                default: reader.Skip(); break; // written by a later version: not ours to read
            }
        }

        if (details is LazyDetails lazy)
        {
            lazy.CustomId = id; // to name the record if its details turn out damaged when read
        }

        return new ResultLine
        {
            CustomId = id ?? throw Corrupt(),
            Status = status ?? throw Corrupt(),
            Text = text,
            InputTokens = input,
            CachedInputTokens = cached,
            OutputTokens = output,
            ErrorCode = errorCode,
            ErrorMessage = errorMessage,
            Retryable = retryable,
            BatchId = batch,
            Details = details,
        };
    }

    /// <summary>The details object, the reader at its start; left at its end.</summary>
    private static Dictionary<string, string> ReadDetails(ref Utf8JsonReader reader)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            details[key] = reader.GetString() ?? string.Empty;
        }

        return details;
    }

    /// <summary>A line's details, read from its bytes when first asked for.</summary>
    private sealed class LazyDetails(ReadOnlyMemory<byte> json) : IReadOnlyDictionary<string, string>
    {
        private Dictionary<string, string>? _read;

        public string? CustomId { get; set; }

        public int Count => Read().Count;

        public IEnumerable<string> Keys => Read().Keys;

        public IEnumerable<string> Values => Read().Values;

        public string this[string key] => Read()[key];

        public bool ContainsKey(string key) => Read().ContainsKey(key);

        public bool TryGetValue(string key, out string value) => Read().TryGetValue(key, out value!);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Read().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private Dictionary<string, string> Read()
        {
            if (Volatile.Read(ref _read) is { } read)
            {
                return read;
            }

            try
            {
                var reader = new Utf8JsonReader(json.Span);
                reader.Read();
                read = ReadDetails(ref reader);
            }
            catch (Exception error) when (LedgerJson.IsDamage(error))
            {
                throw new BatchAIException(ErrorKind.Protocol, "JobResultsCorrupt", $"The details of the result for custom id '{CustomId}' in the job's results file are damaged: {error.Message}");
            }

            // Two threads may both read them; either dictionary will do, and the first one stays.
            return Interlocked.CompareExchange(ref _read, read, null) ?? read;
        }
    }

    /// <summary>
    /// Where each custom id's latest result starts in the file, and its outcome (see <see cref="ResultIndex"/>), from
    /// one forward pass that makes no string of an answer's text.
    /// </summary>
    /// <param name="capacity">How many ids it will likely hold (see <see cref="ResultIndex(long)"/>).</param>
    public static ResultIndex Index(string path, long capacity = 0)
    {
        var index = new ResultIndex(capacity);
        if (!File.Exists(path))
        {
            return index;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

        // A last line without its newline was cut short by a crash mid-append: it is left out, and downloaded again.
        var number = 0;
        foreach (var line in LineFiles.View(stream, includeUnterminatedLast: false))
        {
            number++;
            if (line.Bytes.Length == 0)
            {
                continue;
            }

            try
            {
                var (id, status, retryable) = OutcomeOf(line.Bytes);
                index.Note(id, line.Offset, status, retryable);
            }
            catch (Exception error) when (LedgerJson.IsDamage(error))
            {
                throw new BatchAIException(ErrorKind.Protocol, "JobResultsCorrupt", $"Line {number} of the job's results file ({path}) is damaged: {error.Message}");
            }
        }

        return index;
    }

    private static (string Id, ResultStatus Status, bool Retryable) OutcomeOf(ReadOnlyMemory<byte> line)
    {
        var reader = new Utf8JsonReader(line.Span);
        string? id = null;
        ResultStatus? status = null;
        var retryable = false;
        reader.Read(); // the line's object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Field(ref reader);
            reader.Read();
            switch (name)
            {
                case LineField.Id: id = reader.GetString(); break;
                case LineField.Status: status = ReadStatus(ref reader); break;
                case LineField.Retryable: retryable = reader.TokenType == JsonTokenType.True; break;
                default: reader.Skip(); break; // the answer's text, the details: not needed to count
            }
        }

        return id is null || status is null ? throw Corrupt() : (id, status.Value, retryable);
    }

    private enum LineField
    {
        Other,
        Id,
        Status,
        Text,
        InputTokens,
        CachedInputTokens,
        OutputTokens,
        ErrorCode,
        ErrorMessage,
        Retryable,
        Batch,
        Details,
    }

    /// <summary>Which of the fields <see cref="Write"/> writes the reader is at, told from its bytes (no string made).</summary>
    private static LineField Field(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("id"u8) ? LineField.Id
        : reader.ValueTextEquals("status"u8) ? LineField.Status
        : reader.ValueTextEquals("text"u8) ? LineField.Text
        : reader.ValueTextEquals("inputTokens"u8) ? LineField.InputTokens
        : reader.ValueTextEquals("cachedInputTokens"u8) ? LineField.CachedInputTokens
        : reader.ValueTextEquals("outputTokens"u8) ? LineField.OutputTokens
        : reader.ValueTextEquals("errorCode"u8) ? LineField.ErrorCode
        : reader.ValueTextEquals("errorMessage"u8) ? LineField.ErrorMessage
        : reader.ValueTextEquals("retryable"u8) ? LineField.Retryable
        : reader.ValueTextEquals("batch"u8) ? LineField.Batch
        : reader.ValueTextEquals("details"u8) ? LineField.Details
        : LineField.Other;

    private static ResultStatus ReadStatus(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("Succeeded"u8) ? ResultStatus.Succeeded
        : reader.ValueTextEquals("Failed"u8) ? ResultStatus.Failed
        : reader.ValueTextEquals("Expired"u8) ? ResultStatus.Expired
        : reader.ValueTextEquals("Canceled"u8) ? ResultStatus.Canceled
        : throw Corrupt();

    private static InvalidDataException Corrupt() => new("it has no id or a known status.");
}
