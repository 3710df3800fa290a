using System.Text.Json;

namespace BatchAI.Providers;

/// <summary>Reads optional fields of provider JSON: a missing field, a null or a value of another type reads as null.</summary>
internal static class JsonFields
{
    public static string? StringOrNull(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static int? Int32OrNull(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    /// <summary>A nested object, or an undefined element (on which these readers all return null) when absent.</summary>
    public static JsonElement ObjectOrDefault(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;
}
