using System.Globalization;
using System.Text.Json;
using BatchAI.Emulator.Model;

namespace BatchAI.Emulator.Anthropic;

/// <summary>
/// The Messages API as a batch item meets it: the <c>params</c> of one request are checked the way the real endpoint
/// checks them (model, <c>max_tokens</c> ≥ 1, alternating user/assistant messages, temperature 0–1, structured-output
/// format), then answered by the emulated model. A rejected request becomes an <c>errored</c> result, not a failed batch.
/// </summary>
internal static class MessagesModel
{
    public static ModelAnswer Answer(string customId, JsonElement parameters)
    {
        if (Validate(parameters) is { } rejection)
        {
            return new ModelAnswer { Rejection = rejection };
        }

        var messages = new List<ModelMessage>();
        if (parameters.TryGetProperty("system", out var system))
        {
            messages.Add(new ModelMessage("system", EmulatedModel.ContentText(system)));
        }

        foreach (var message in parameters.GetProperty("messages").EnumerateArray())
        {
            messages.Add(new ModelMessage(message.GetProperty("role").GetString()!, EmulatedModel.ContentText(message.GetProperty("content"))));
        }

        return EmulatedModel.Respond(parameters.GetProperty("model").GetString()!, messages, parameters.GetProperty("max_tokens").GetInt32(), SchemaOf(parameters), customId);
    }

    public static RequestRejection? Validate(JsonElement parameters)
    {
        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return Invalid("params: Input should be an object");
        }

        if (!parameters.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString()!.Length == 0)
        {
            return Invalid("model: Field required");
        }

        if (!parameters.TryGetProperty("max_tokens", out var max) || max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var maxTokens))
        {
            return Invalid("max_tokens: Field required");
        }

        if (maxTokens < 1)
        {
            return Invalid("max_tokens: must be greater than or equal to 1");
        }

        if (!parameters.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return Invalid("messages: Field required");
        }

        if (messages.GetArrayLength() == 0)
        {
            return Invalid("messages: at least one message is required");
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (role is not ("user" or "assistant"))
            {
                return Invalid(string.Format(CultureInfo.InvariantCulture, "messages.{0}.role: Input should be 'user' or 'assistant'", index));
            }

            if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            {
                return Invalid(string.Format(CultureInfo.InvariantCulture, "messages.{0}.content: Field required", index));
            }

            index++;
        }

        if (parameters.TryGetProperty("system", out var system) && system.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            return Invalid("system: Input should be a valid string or a list of text blocks");
        }

        if (parameters.TryGetProperty("temperature", out var temperature) && !(temperature.ValueKind == JsonValueKind.Number && temperature.GetDouble() is >= 0 and <= 1))
        {
            return Invalid("temperature: range: 0..1");
        }

        if (parameters.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            return Invalid("stream: streaming is not supported in batch requests");
        }

        return FormatOf(parameters) is { } format && !(format.TryGetProperty("type", out var type) && type.GetString() == "json_schema" && format.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object)
            ? Invalid("output_config.format: expected {\"type\": \"json_schema\", \"schema\": {...}}")
            : null;
    }

    /// <summary>The structured-output format: <c>output_config.format</c> (current) or <c>output_format</c> (the beta form).</summary>
    private static JsonElement? FormatOf(JsonElement parameters)
    {
        if (parameters.TryGetProperty("output_config", out var config) && config.ValueKind == JsonValueKind.Object && config.TryGetProperty("format", out var format))
        {
            return format;
        }

        return parameters.TryGetProperty("output_format", out var legacy) && legacy.ValueKind != JsonValueKind.Null ? legacy : null;
    }

    private static JsonElement? SchemaOf(JsonElement parameters) => FormatOf(parameters)?.GetProperty("schema");

    private static RequestRejection Invalid(string message) => new(message, null, "invalid_request_error");
}
