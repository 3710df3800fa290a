using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BatchAI.Requests;

/// <summary>
/// A JSON Schema that the model's answer must follow (structured output). Kept as compact JSON text so no JSON
/// library type appears on the engine's public surface.
/// </summary>
public sealed class ResponseSchema
{
    private ResponseSchema(string name, string json)
    {
        Name = name;
        Json = json;
        Id = ComputeId(json);
    }

    /// <summary>The schema's name as providers want it: 1-64 characters of A-Z, a-z, 0-9, '_' and '-'.</summary>
    public string Name { get; }

    /// <summary>The schema as compact JSON.</summary>
    public string Json { get; }

    /// <summary>A short content hash; requests that share a schema share this id in the job ledger.</summary>
    public string Id { get; }

    /// <summary>
    /// Parses a schema. The name is <paramref name="name"/> when given, else the schema's <c>title</c>, else
    /// <c>response</c>, with characters providers reject replaced by '_'.
    /// </summary>
    /// <param name="source">Where the schema came from (a file path), for error messages.</param>
    public static ResponseSchema Parse(string json, string? name = null, string? source = null)
    {
        if (json is null)
        {
            throw new ArgumentNullException(nameof(json));
        }

        var where = source is null ? "The JSON schema" : $"The JSON schema in '{source}'";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw BatchAIException.InvalidInput("SchemaInvalid", $"{where} is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw BatchAIException.InvalidInput("SchemaInvalid", $"{where} must be a JSON object, not {root.ValueKind.ToString().ToLowerInvariant()}.");
            }

            if (root.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.GetString() == "object"))
            {
                throw BatchAIException.InvalidInput("SchemaInvalid", $"{where} must describe an object at its root (\"type\": \"object\"): providers' structured output requires it.");
            }

            try
            {
                global::Json.Schema.JsonSchema.Build(root);
            }
            catch (Exception ex) when (ex is global::Json.Schema.JsonSchemaException or JsonException or ArgumentException or FormatException or InvalidOperationException)
            {
                // Answers are checked against the schema with this validator, so a schema it cannot read is refused now.
                throw BatchAIException.InvalidInput("SchemaInvalid", $"{where} is not a valid JSON Schema: {ex.Message}");
            }

            var title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return new ResponseSchema(SanitizeName(name ?? title ?? "response"), Compact(root));
        }
    }

    /// <summary>Reads and parses a schema file; a file that cannot be read is an input error naming it.</summary>
    public static ResponseSchema FromFile(string path, string? name = null)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw BatchAIException.InvalidInput("SchemaUnreadable", $"The JSON schema file '{path}' cannot be read: {ex.Message}");
        }

        return Parse(json, name, path);
    }

    internal static string SanitizeName(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, 64));
        foreach (var c in name)
        {
            if (builder.Length == 64)
            {
                break;
            }

            builder.Append(CustomIds.IsAllowed(c) ? c : '_');
        }

        return builder.Length == 0 ? "response" : builder.ToString();
    }

    private static string Compact(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string ComputeId(string json)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(json));
        var builder = new StringBuilder(16);
        for (var i = 0; i < 8; i++)
        {
            builder.Append(hash[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
