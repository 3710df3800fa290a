using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BatchAI.Emulator.Http;

/// <summary>Builds the emulator's HTTP responses. Every one carries <see cref="EmulatedHeader"/>.</summary>
internal static class Responses
{
    /// <summary>Present on every response, so nobody mistakes emulated answers for a real provider's.</summary>
    public const string EmulatedHeader = "X-BatchAI-Emulator";

    public static HttpResponseMessage Json(HttpStatusCode status, Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var content = new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return Mark(new HttpResponseMessage(status) { Content = content });
    }

    public static HttpResponseMessage Ok(Action<Utf8JsonWriter> write) => Json(HttpStatusCode.OK, write);

    /// <summary>A file body streamed from disk.</summary>
    public static HttpResponseMessage File(string path, string mediaType)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var content = new StreamContent(stream, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        content.Headers.ContentLength = stream.Length;
        return Mark(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
    }

    /// <summary>OpenAI's error envelope: <c>{"error": {"message", "type", "param", "code"}}</c>, all four always present.</summary>
    public static HttpResponseMessage OpenAIError(HttpStatusCode status, string message, string type, string? param = null, string? code = null) =>
        Json(status, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("type", type);
            WriteNullableString(w, "param", param);
            WriteNullableString(w, "code", code);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    public static HttpResponseMessage Mark(HttpResponseMessage response)
    {
        response.Headers.TryAddWithoutValidation(EmulatedHeader, "1");
        response.Headers.TryAddWithoutValidation("x-request-id", "req_emu_" + Ids.Random(24));
        return response;
    }

    public static void WriteNullableString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void WriteNullableNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
