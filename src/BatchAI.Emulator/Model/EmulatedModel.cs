using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BatchAI.Emulator.Model;

/// <summary>The answer of the emulated model to one chat-completions request, or why the request is invalid.</summary>
internal sealed class ModelAnswer
{
    public string? Content { get; init; }

    public string FinishReason { get; init; } = "stop";

    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    public string Model { get; init; } = string.Empty;

    /// <summary>Set when the request is invalid: what the endpoint would answer with status 400.</summary>
    public RequestRejection? Rejection { get; init; }
}

/// <summary>One turn of a conversation, reduced to what the emulated model reads.</summary>
internal sealed class ModelMessage(string role, string text)
{
    public string Role { get; } = role;

    public string Text { get; } = text;
}

internal sealed class RequestRejection(string message, string? param, string? code)
{
    public string Message { get; } = message;

    public string? Param { get; } = param;

    public string? Code { get; } = code;
}

/// <summary>
/// A deterministic stand-in for a chat model. With a JSON schema it answers JSON the schema accepts; otherwise a short
/// text that starts with "[emulated]" and quotes the prompt. Token counts follow the usual four-characters-a-token rule.
/// </summary>
internal static class EmulatedModel
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static ModelAnswer Answer(string customId, JsonElement body)
    {
        if (Validate(body) is { } rejection)
        {
            return new ModelAnswer { Rejection = rejection };
        }

        return Respond(body.GetProperty("model").GetString()!, Messages(body), MaxTokens(body), SchemaOf(body), customId);
    }

    /// <summary>The prompt tokens of a chat completions body that <see cref="Validate"/> accepted.</summary>
    public static int PromptTokens(JsonElement body) => PromptTokens(Messages(body));

    private static List<ModelMessage> Messages(JsonElement body) =>
        body.GetProperty("messages").EnumerateArray()
            .Select(m => new ModelMessage(m.GetProperty("role").GetString()!, ContentText(m.GetProperty("content"))))
            .ToList();

    /// <summary>
    /// The model's answer to a conversation, whichever protocol carried it: JSON that follows <paramref name="schema"/>
    /// when one is given, else a text quoting the last user message; cut at <paramref name="maxTokens"/> (finish
    /// reason <c>length</c>).
    /// </summary>
    public static ModelAnswer Respond(string model, IReadOnlyList<ModelMessage> messages, int? maxTokens, JsonElement? schema, string seed)
    {
        var promptTokens = PromptTokens(messages);
        var lastUser = string.Empty;
        foreach (var message in messages)
        {
            if (message.Role == "user")
            {
                lastUser = message.Text;
            }
        }

        var content = schema is { } s ? SchemaAnswer(s, seed) : TextAnswer(lastUser);
        var completionTokens = Math.Max(1, Tokens(content));
        var finish = "stop";
        if (maxTokens is { } max && completionTokens > max)
        {
            content = Cut(content, max * 4);
            completionTokens = max;
            finish = "length";
        }

        return new ModelAnswer { Content = content, FinishReason = finish, PromptTokens = promptTokens, CompletionTokens = completionTokens, Model = model };
    }

    public static int Tokens(string text) => (text.Length + 3) / 4;

    /// <summary>What a conversation counts as input: 3, and 4 per message plus its text's tokens (what every count-tokens endpoint here answers, and every usage reports).</summary>
    public static int PromptTokens(IEnumerable<ModelMessage> messages) => 3 + messages.Sum(m => 4 + Tokens(m.Text));

    /// <summary>The first <paramref name="length"/> characters, one fewer if that would split a surrogate pair (an emoji): real models never return half a character.</summary>
    internal static string Cut(string text, int length)
    {
        if (length >= text.Length)
        {
            return text;
        }

        return text.Substring(0, length > 0 && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length);
    }

    /// <summary>Why the endpoint would reject this body with a 400, or null when it would accept it.</summary>
    public static RequestRejection? Validate(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return new RequestRejection("The request body must be a JSON object.", null, null);
        }

        if (!body.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString()!.Length == 0)
        {
            return new RequestRejection("you must provide a model parameter", "model", null);
        }

        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return new RequestRejection("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }

        if (messages.GetArrayLength() == 0)
        {
            return new RequestRejection("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array");
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var where = string.Format(CultureInfo.InvariantCulture, "messages[{0}]", index++);
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String || Array.IndexOf(Roles, role.GetString()) < 0)
            {
                return new RequestRejection($"Invalid value for '{where}.role': expected one of {string.Join(", ", Roles)}.", where + ".role", "invalid_value");
            }

            if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            {
                return new RequestRejection($"Missing required parameter: '{where}.content'.", where + ".content", "missing_required_parameter");
            }
        }

        foreach (var name in new[] { "max_completion_tokens", "max_tokens" })
        {
            if (body.TryGetProperty(name, out var max) && !(max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var n) && n >= 1))
            {
                return new RequestRejection($"Invalid '{name}': integer below minimum value. Expected a value >= 1.", name, "integer_below_min_value");
            }
        }

        if (body.TryGetProperty("temperature", out var temperature) && !(temperature.ValueKind == JsonValueKind.Number && temperature.GetDouble() is >= 0 and <= 2))
        {
            return new RequestRejection("Invalid 'temperature': expected a number between 0 and 2.", "temperature", "decimal_above_max_value");
        }

        return ValidateResponseFormat(body);
    }

    private static RequestRejection? ValidateResponseFormat(JsonElement body)
    {
        if (!body.TryGetProperty("response_format", out var format))
        {
            return null;
        }

        var type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type is "text" or "json_object")
        {
            return null;
        }

        if (type != "json_schema")
        {
            return new RequestRejection("Invalid value for 'response_format.type': expected one of text, json_object, json_schema.", "response_format.type", "invalid_value");
        }

        if (!format.TryGetProperty("json_schema", out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object)
        {
            return new RequestRejection("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema", "missing_required_parameter");
        }

        if (!jsonSchema.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || !ValidSchemaName(name.GetString()!))
        {
            return new RequestRejection("Invalid 'response_format.json_schema.name': must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64.", "response_format.json_schema.name", "invalid_value");
        }

        if (jsonSchema.TryGetProperty("schema", out var schema) && schema.ValueKind != JsonValueKind.Object)
        {
            return new RequestRejection("Invalid 'response_format.json_schema.schema': expected an object.", "response_format.json_schema.schema", "invalid_type");
        }

        return null;
    }

    private static bool ValidSchemaName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-');

    private static JsonElement? SchemaOf(JsonElement body) =>
        body.TryGetProperty("response_format", out var format)
        && format.TryGetProperty("type", out var type) && type.GetString() == "json_schema"
        && format.GetProperty("json_schema").TryGetProperty("schema", out var schema)
            ? schema
            : null;

    private static int? MaxTokens(JsonElement body) =>
        body.TryGetProperty("max_completion_tokens", out var max) || body.TryGetProperty("max_tokens", out max) ? max.GetInt32() : null;

    private static string SchemaAnswer(JsonElement schema, string seed)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            new SchemaSampler(schema, seed).Write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string TextAnswer(string prompt)
    {
        var line = prompt.Replace("\r", " ").Replace("\n", " ").Trim();
        if (line.Length > 80)
        {
            line = Cut(line, 80) + "…";
        }

        return "[emulated] Reply to: " + line;
    }

    /// <summary>The text of a message's content: a string, or the <c>text</c> of each part of an array.</summary>
    public static string ContentText(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        // Content parts: [{"type": "text", "text": "..."}, ...]
        var builder = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                builder.Append(text.GetString());
            }
        }

        return builder.ToString();
    }
}
