using System.Numerics;
using System.Runtime.InteropServices;
using BatchAI.Requests;
using Microsoft.ML.Tokenizers;

namespace BatchAI.Costs;

/// <summary>How many input tokens a request will use, and how that was worked out.</summary>
public sealed class TokenEstimate(long tokens, bool exact, string method)
{
    public long Tokens { get; } = tokens;

    /// <summary>Counted with the model's own tokenizer (OpenAI models), rather than approximated.</summary>
    public bool Exact { get; } = exact;

    public string Method { get; } = method;
}

/// <summary>
/// Input tokens before a run. OpenAI models are counted exactly, offline, with their own tokenizer (o200k_base for the
/// GPT-4o, GPT-4.1, GPT-5 and o-series families, cl100k_base for GPT-4 and GPT-3.5), plus the chat format's overhead
/// of 3 tokens per message and 3 to prime the reply; a JSON schema is counted as its JSON text (the provider's own
/// rendering of it differs slightly). Other models are approximated: a token per 4 ASCII characters and per 1.5 other
/// characters (CJK text runs near a token per character), plus 4 tokens per message. The providers' own count-tokens
/// endpoints are exact for their models.
/// </summary>
public static class TokenEstimator
{
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));
    private static readonly Lazy<Tokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForModel("gpt-4"));

    /// <param name="useTokenizer">False to approximate even OpenAI models: far cheaper, for estimates made on every
    /// record of a large job (the spending cap's).</param>
    public static TokenEstimate Estimate(BatchRequest request, bool useTokenizer = true)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (useTokenizer && TokenizerFor(request.Model) is { } tokenizer)
        {
            var texts = new List<string>();
            if (request.SystemPrompt is { } system)
            {
                texts.Add(system);
            }

            texts.Add(request.Prompt);
            var schema = request.Schema?.Json;
            var tokens = texts.Sum(t => (long)tokenizer.Value.CountTokens(t) + 3) + 3 + (schema is null ? 0 : tokenizer.Value.CountTokens(schema));
            return new TokenEstimate(tokens, exact: schema is null, tokenizer == O200k ? "o200k_base tokenizer" : "cl100k_base tokenizer");
        }

        return new TokenEstimate(Approximate(request), exact: false, "approximation (4 ASCII or 1.5 other characters per token)");
    }

    /// <summary>The approximation for a whole request (what <see cref="Estimate"/> gives without a tokenizer), counted without allocating.</summary>
    public static long Approximate(BatchRequest request)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        var tokens = Approximate(request.Prompt) + 4;
        if (request.SystemPrompt is { } system)
        {
            tokens += Approximate(system) + 4;
        }

        return request.Schema is { } schema ? tokens + Approximate(schema.Json) : tokens;
    }

    /// <summary>The documented approximation, for models without an offline tokenizer here.</summary>
    public static long Approximate(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        // Counted a vector at a time (a million-row job counts every prompt): ASCII characters, and the second
        // halves of surrogate pairs, which are not counted (an emoji or other astral character counts once).
        var chars = MemoryMarshal.Cast<char, ushort>(text.AsSpan());
        long ascii = 0;
        long lowSurrogates = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && chars.Length >= Vector<ushort>.Count)
        {
            var asciiEnd = new Vector<ushort>(0x80);
            var lowStart = new Vector<ushort>(0xDC00);
            var lowEnd = new Vector<ushort>(0xDFFF);
            var vectors = MemoryMarshal.Cast<ushort, Vector<ushort>>(chars);
            foreach (var block in vectors)
            {
                // Each comparison is all ones (-1 as a signed lane) where true: subtracting counts.
                var isAscii = Vector.AsVectorInt16(Vector.LessThan(block, asciiEnd));
                var isLow = Vector.AsVectorInt16(Vector.BitwiseAnd(Vector.GreaterThanOrEqual(block, lowStart), Vector.LessThanOrEqual(block, lowEnd)));
                ascii -= Vector.Dot(isAscii, Vector<short>.One);
                lowSurrogates -= Vector.Dot(isLow, Vector<short>.One);
            }

            i = vectors.Length * Vector<ushort>.Count;
        }

        for (; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c < 0x80)
            {
                ascii++;
            }
            else if (c is >= 0xDC00 and <= 0xDFFF)
            {
                lowSurrogates++;
            }
        }

        var other = text.Length - ascii - lowSurrogates;
        return Approximate(ascii, other);
    }

    /// <summary>The approximation from counts already made: ASCII characters, and other characters (an astral one counted once).</summary>
    internal static long Approximate(long ascii, long other) => (long)Math.Ceiling((ascii / 4.0) + (other / 1.5));

    /// <summary>
    /// The counts <see cref="Approximate(long, long)"/> takes, from UTF-8 text (valid): ASCII bytes, and the first byte of
    /// every other character. A four-byte character is one, as its surrogate pair counts once in <see cref="Approximate(string)"/>.
    /// </summary>
    internal static (long Ascii, long Other) CountUtf8(ReadOnlySpan<byte> utf8)
    {
        long ascii = 0, other = 0;
        foreach (var b in utf8)
        {
            if (b < 0x80)
            {
                ascii++;
            }
            else if (b >= 0xC0)
            {
                other++;
            }
        }

        return (ascii, other);
    }

    private static Lazy<Tokenizer>? TokenizerFor(string model)
    {
        var name = model.Trim().ToLowerInvariant();
        if (name.StartsWith("gpt-4o", StringComparison.Ordinal) || name.StartsWith("gpt-4.1", StringComparison.Ordinal) || name.StartsWith("gpt-4.5", StringComparison.Ordinal)
            || name.StartsWith("gpt-5", StringComparison.Ordinal) || name.StartsWith("chatgpt-4o", StringComparison.Ordinal)
            || (name.Length > 1 && name[0] == 'o' && char.IsDigit(name[1])))
        {
            return O200k;
        }

        return name.StartsWith("gpt-4", StringComparison.Ordinal) || name.StartsWith("gpt-3.5", StringComparison.Ordinal) ? Cl100k : null;
    }
}
