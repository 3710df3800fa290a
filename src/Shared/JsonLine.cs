using System.Text;
using System.Text.Json;

namespace BatchAI.IO;

/// <summary>
/// One JSON line built as UTF-8 bytes, for the lines written a million times a job: the providers' request lines
/// and the ledger's. <see cref="Utf8JsonWriter"/> checks every call against the document's state and encodes every
/// property name on every call; with strings escaped fast already (<see cref="JsonStrings"/>) those checks were
/// still most of what a prepared line cost. This builder trusts its callers (fixed code that writes one shape)
/// to nest correctly: it places the commas and nothing else. Names are encoded once, as <see cref="JsonName"/>.
/// Values that are not text (numbers, collections) go through a <see cref="Utf8JsonWriter"/> so that they are
/// formatted exactly as everywhere else.
/// </summary>
internal sealed class JsonLine
{
    private static readonly JsonWriterOptions ValueOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const int RememberedMinimum = 64;

    private byte[] _buffer = new byte[1024];
    private byte[]? _utf8;
    private string? _remembered;
    private byte[] _rememberedBytes = new byte[256];
    private int _rememberedLength;
    private bool _needsComma;
    private MemoryStream? _valueBuffer;

    /// <summary>The line's bytes so far are the first <see cref="Length"/> bytes of this array.</summary>
    public byte[] Buffer => _buffer;

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Bytes => new(_buffer, 0, Length);

    /// <summary>Starts a new line.</summary>
    public void Clear()
    {
        Length = 0;
        _needsComma = false;
    }

    /// <summary>Ends the line with its newline.</summary>
    public void EndLine() => Put((byte)'\n');

    public byte[] ToArray() => Bytes.ToArray();

    public override string ToString() => Encoding.UTF8.GetString(_buffer, 0, Length);

    public void StartObject()
    {
        Separate();
        Put((byte)'{');
        _needsComma = false;
    }

    public void StartObject(JsonName name)
    {
        Name(name);
        Put((byte)'{');
    }

    public void EndObject()
    {
        Put((byte)'}');
        _needsComma = true;
    }

    public void StartArray(JsonName name)
    {
        Name(name);
        Put((byte)'[');
    }

    public void EndArray()
    {
        Put((byte)']');
        _needsComma = true;
    }

    /// <summary>Writes a property's name; its value comes next.</summary>
    public void Name(JsonName name)
    {
        Separate();
        Put(name.Utf8);
        _needsComma = false;
    }

    public void Text(JsonName name, string value)
    {
        Name(name);
        Text(value);
    }

    public void Text(string value)
    {
        if (value.Length > JsonStrings.MaxBufferedChars)
        {
            Formatted(value);
            return;
        }

        Separate();
        if (ReferenceEquals(value, _remembered))
        {
            Put(new ReadOnlySpan<byte>(_rememberedBytes, 0, _rememberedLength));
        }
        else
        {
            Reserve(JsonStrings.MaxQuotedBytes(value.Length));
            var start = Length;
            Length += JsonStrings.Quote(value, new Span<byte>(_buffer, Length, _buffer.Length - Length), ref _utf8);
            if (value.Length >= RememberedMinimum)
            {
                Remember(value, start);
            }
        }

        _needsComma = true;
    }

    // A prompt goes into the provider's line and then the ledger's, written by the same builder: the second time,
    // its encoded bytes are copied rather than encoded again. Short text is cheaper to encode than to remember.
    private void Remember(string value, int start)
    {
        var length = Length - start;
        if (_rememberedBytes.Length < length)
        {
            _rememberedBytes = new byte[Math.Max(length, 2 * _rememberedBytes.Length)];
        }

        Array.Copy(_buffer, start, _rememberedBytes, 0, length);
        _remembered = value;
        _rememberedLength = length;
    }

    public void Number(JsonName name, long value)
    {
        Name(name);
        PutNumber(value);
        _needsComma = true;
    }

    public void Boolean(JsonName name, bool value)
    {
        Name(name);
        Put(value ? "true"u8 : "false"u8);
        _needsComma = true;
    }

    /// <summary>Writes JSON text as it is (a schema, a value already encoded).</summary>
    public void Raw(JsonName name, ReadOnlySpan<byte> json)
    {
        Name(name);
        Put(json);
        _needsComma = true;
    }

    /// <summary>Writes JSON text as it is, given as a string.</summary>
    public void Raw(JsonName name, string json)
    {
        Name(name);
        Reserve(Encoding.UTF8.GetMaxByteCount(json.Length));
        Length += Encoding.UTF8.GetBytes(json, 0, json.Length, _buffer, Length);
        _needsComma = true;
    }

    /// <summary>Writes any value the way <see cref="Utf8JsonWriter"/> would after <paramref name="write"/>; text is written directly.</summary>
    public void Value(object? value, Action<Utf8JsonWriter, object?> write)
    {
        switch (value)
        {
            case string text:
                Text(text);
                break;
            case null:
                Separate();
                Put("null"u8);
                _needsComma = true;
                break;
            case bool flag:
                Separate();
                Put(flag ? "true"u8 : "false"u8);
                _needsComma = true;
                break;
            case long number:
                Separate();
                PutNumber(number);
                _needsComma = true;
                break;
            default:
                Formatted(value, write);
                break;
        }
    }

    /// <summary>A number, with the formatting <see cref="Utf8JsonWriter"/> gives it.</summary>
    public void Number(JsonName name, double value)
    {
        Name(name);
        Formatted(value, static (writer, v) => writer.WriteNumberValue((double)v!));
    }

    private void Formatted(string value) => Formatted(value, static (writer, v) => writer.WriteStringValue((string)v!));

    private void Formatted(object? value, Action<Utf8JsonWriter, object?> write)
    {
        Separate();
        _valueBuffer ??= new MemoryStream();
        _valueBuffer.SetLength(0);
        using (var writer = new Utf8JsonWriter(_valueBuffer, ValueOptions))
        {
            write(writer, value);
        }

        Put(new ReadOnlySpan<byte>(_valueBuffer.GetBuffer(), 0, (int)_valueBuffer.Length));
        _needsComma = true;
    }

    private void PutNumber(long value)
    {
        Reserve(20);
        System.Buffers.Text.Utf8Formatter.TryFormat(value, new Span<byte>(_buffer, Length, 20), out var written);
        Length += written;
    }

    private void Separate()
    {
        if (_needsComma)
        {
            Put((byte)',');
        }
    }

    private void Put(byte b)
    {
        Reserve(1);
        _buffer[Length++] = b;
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(new Span<byte>(_buffer, Length, bytes.Length));
        Length += bytes.Length;
    }

    private void Reserve(int more)
    {
        if (Length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
        }
    }
}

/// <summary>A property name encoded once, with its quotes and colon, for <see cref="JsonLine"/>.</summary>
internal sealed class JsonName
{
    private JsonName(byte[] utf8) => Utf8 = utf8;

    public byte[] Utf8 { get; }

    public static JsonName Of(string name)
    {
        var quoted = JsonStrings.QuoteToArray(name);
        var utf8 = new byte[quoted.Length + 1];
        quoted.CopyTo(utf8, 0);
        utf8[quoted.Length] = (byte)':';
        return new JsonName(utf8);
    }
}
