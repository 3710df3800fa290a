using System.Globalization;
using System.Text;
using System.Text.Json;
using BatchAI.Emulator.Model;

namespace BatchAI.Emulator.Gemini;

/// <summary>
/// A <c>GenerateContentRequest</c> as a batch item meets it: checked as the real endpoint checks it (non-empty
/// <c>contents</c> of <c>parts</c>, roles <c>user</c>/<c>model</c>, generation settings in range, a response schema
/// only with <c>responseMimeType: application/json</c>), then answered by the emulated model. Proto-JSON field names
/// are accepted in both spellings (<c>generationConfig</c> and <c>generation_config</c>).
/// </summary>
internal static class GenerateContentModel
{
    private static readonly string[] MimeTypes = ["text/plain", "application/json", "text/x.enum"];

    public static ModelAnswer Answer(string model, string seed, JsonElement request)
    {
        if (Validate(request) is { } rejection)
        {
            return new ModelAnswer { Rejection = rejection };
        }

        var messages = new List<ModelMessage>();
        if (Field(request, "systemInstruction", "system_instruction") is { } system)
        {
            messages.Add(new ModelMessage("system", PartsText(system)));
        }

        foreach (var content in Field(request, "contents", "contents")!.Value.EnumerateArray())
        {
            var role = content.TryGetProperty("role", out var r) && r.GetString() == "model" ? "assistant" : "user";
            messages.Add(new ModelMessage(role, PartsText(content)));
        }

        var config = Field(request, "generationConfig", "generation_config");
        var maxTokens = config is { } c && Field(c, "maxOutputTokens", "max_output_tokens") is { } max ? max.GetInt32() : (int?)null;
        var schema = config is { } g ? Field(g, "responseSchema", "response_schema") ?? Field(g, "responseJsonSchema", "response_json_schema") : null;
        return EmulatedModel.Respond(model, messages, maxTokens, schema, seed);
    }

    public static RequestRejection? Validate(JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            return Invalid("The request must be a GenerateContentRequest object.");
        }

        if (Field(request, "contents", "contents") is not { ValueKind: JsonValueKind.Array } contents || contents.GetArrayLength() == 0)
        {
            return Invalid("* GenerateContentRequest.contents: contents is not specified");
        }

        var index = 0;
        foreach (var content in contents.EnumerateArray())
        {
            var where = string.Format(CultureInfo.InvariantCulture, "GenerateContentRequest.contents[{0}]", index++);
            if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() == 0)
            {
                return Invalid($"* {where}.parts: contents.parts must not be empty.");
            }

            if (content.TryGetProperty("role", out var role) && role.GetString() is not ("user" or "model"))
            {
                return Invalid($"* {where}.role: Please use a valid role: user, model.");
            }
        }

        if (Field(request, "generationConfig", "generation_config") is not { } config)
        {
            return null;
        }

        if (Field(config, "maxOutputTokens", "max_output_tokens") is { } max && !(max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var n) && n >= 1))
        {
            return Invalid("* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer.");
        }

        if (Field(config, "temperature", "temperature") is { } temperature && !(temperature.ValueKind == JsonValueKind.Number && temperature.GetDouble() is >= 0 and <= 2))
        {
            return Invalid("* GenerateContentRequest.generation_config.temperature: must be between 0 and 2.");
        }

        var mime = Field(config, "responseMimeType", "response_mime_type")?.GetString();
        if (mime is not null && Array.IndexOf(MimeTypes, mime) < 0)
        {
            return Invalid($"* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are `text/plain`, `application/json` and `text/x.enum`; got `{mime}`.");
        }

        var schema = Field(config, "responseSchema", "response_schema") ?? Field(config, "responseJsonSchema", "response_json_schema");
        if (schema is not null && mime != "application/json")
        {
            return Invalid("* GenerateContentRequest.generation_config.response_mime_type: a response schema needs response_mime_type application/json.");
        }

        return schema is { ValueKind: not JsonValueKind.Object }
            ? Invalid("* GenerateContentRequest.generation_config.response_schema: must be an object.")
            : null;
    }

    /// <summary>A proto-JSON field by either of its names.</summary>
    public static JsonElement? Field(JsonElement element, string camel, string snake) =>
        element.ValueKind == JsonValueKind.Object && (element.TryGetProperty(camel, out var value) || element.TryGetProperty(snake, out value)) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static string PartsText(JsonElement content)
    {
        var builder = new StringBuilder();
        if (content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    builder.Append(text.GetString());
                }
            }
        }

        return builder.ToString();
    }

    private static RequestRejection Invalid(string message) => new(message, null, "INVALID_ARGUMENT");
}
