using System.Text.Json;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// The job's requests, one JSON line each, in input order: the custom id, where the record came from, which part
/// it went into, the request itself and its source record. Written once at submit; read to join results back.
/// </summary>
internal static class RequestFile
{
    public static void Write(Utf8JsonWriter writer, BatchRequest request, int part)
    {
        writer.WriteStartObject();
        writer.WriteString("id", request.CustomId);
        writer.WriteNumber("row", request.RowNumber);
        if (request.Source.LineNumber is { } line)
        {
            writer.WriteNumber("line", line);
        }

        writer.WriteNumber("part", part);
        writer.WriteString("model", request.Model);
        if (request.SystemPrompt is { } system)
        {
            writer.WriteString("system", system);
        }

        writer.WriteString("prompt", request.Prompt);
        if (request.MaxOutputTokens is { } maxTokens)
        {
            writer.WriteNumber("maxTokens", maxTokens);
        }

        if (request.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature", temperature);
        }

        if (request.Schema is { } schema)
        {
            writer.WriteString("schema", schema.Id);
        }

        writer.WriteStartObject("source");
        foreach (var pair in request.Source.Pairs())
        {
            writer.WritePropertyName(pair.Key);
            WriteValue(writer, pair.Value);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, object? value) => RecordValue.WriteJson(writer, value);

    /// <summary>Streams the stored requests in input order.</summary>
    public static IEnumerable<StoredRequest> Read(string path)
    {
        // Lines are parsed from their UTF-8 bytes as read: no string is made of a whole line.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        ColumnSet? columns = null;
        foreach (var line in IO.LineFiles.Read(stream, includeUnterminatedLast: true))
        {
            if (line.Bytes.Length > 0)
            {
                yield return Parse(line.Bytes, ref columns);
            }
        }
    }

    private static StoredRequest Parse(byte[] utf8, ref ColumnSet? columns)
    {
        using var document = JsonDocument.Parse(utf8);
        var root = document.RootElement;
        var names = new List<string>();
        var values = new List<object?>();
        foreach (var property in root.GetProperty("source").EnumerateObject())
        {
            names.Add(property.Name);
            values.Add(property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                _ => new JsonText(property.Value.GetRawText()),
            });
        }

        // Consecutive records with the same columns share one ColumnSet, as they did when read.
        if (columns is null || !columns.Names.SequenceEqual(names, StringComparer.Ordinal))
        {
            columns = new ColumnSet(names);
        }

        var row = root.GetProperty("row").GetInt64();
        long? line = root.TryGetProperty("line", out var l) ? l.GetInt64() : null;
        return new StoredRequest
        {
            CustomId = root.GetProperty("id").GetString()!,
            Part = root.GetProperty("part").GetInt32(),
            Model = root.GetProperty("model").GetString()!,
            SchemaId = root.TryGetProperty("schema", out var schema) ? schema.GetString() : null,
            Prompt = root.TryGetProperty("prompt", out var prompt) ? prompt.GetString()! : string.Empty,
            SystemPrompt = root.TryGetProperty("system", out var system) ? system.GetString() : null,
            MaxOutputTokens = root.TryGetProperty("maxTokens", out var maxTokens) ? maxTokens.GetInt32() : null,
            Temperature = root.TryGetProperty("temperature", out var temperature) ? temperature.GetDouble() : null,
            Source = new SourceRecord(row, columns, values, line),
        };
    }
}

/// <summary>What receiving needs of a stored request: its id, part, schema and source record.</summary>
internal sealed class StoredRequest
{
    public string CustomId { get; init; } = string.Empty;

    public int Part { get; init; }

    public string Model { get; init; } = string.Empty;

    public string? SchemaId { get; init; }

    public string Prompt { get; init; } = string.Empty;

    public string? SystemPrompt { get; init; }

    public int? MaxOutputTokens { get; init; }

    public double? Temperature { get; init; }

    public SourceRecord Source { get; init; } = null!;

    /// <summary>The request again, as it was made (its schema read back from the job's schemas folder).</summary>
    public BatchRequest ToRequest(Func<string, ResponseSchema> schema) =>
        new(CustomId, Source, Prompt, Model, SystemPrompt, MaxOutputTokens, Temperature, SchemaId is null ? null : schema(SchemaId));
}
