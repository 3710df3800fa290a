using System.Text.Json;

namespace BatchAI.Providers;

/// <summary>
/// A string field whose value is nearly always the one the line before had (a model's name, a finish reason): when
/// its bytes are the same, the string made for that line is returned again, so a million result lines make a few
/// such strings rather than a million. One per thread (see the parsers' <c>[ThreadStatic]</c> fields).
/// </summary>
internal sealed class RepeatedText
{
    private const int MaxRememberedBytes = 64;

    private readonly byte[] _bytes = new byte[MaxRememberedBytes];
    private int _length;
    private string? _text;

    /// <summary>
    /// Moves to a property's value and reads it as a string; null (the value skipped) when it is not a string.
    /// </summary>
    public string? Read(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }

        // Compared as written, escapes and all: the same bytes are the same text (the same text escaped otherwise is
        // merely not found, and read).
        var single = !reader.HasValueSequence;
        if (single && _text is not null && reader.ValueSpan.SequenceEqual(new ReadOnlySpan<byte>(_bytes, 0, _length)))
        {
            return _text;
        }

        var text = reader.GetString()!;
        if (single && reader.ValueSpan.Length <= MaxRememberedBytes)
        {
            reader.ValueSpan.CopyTo(_bytes);
            _length = reader.ValueSpan.Length;
            _text = text;
        }

        return text;
    }
}
