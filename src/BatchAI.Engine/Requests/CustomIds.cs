using System.Globalization;

namespace BatchAI.Requests;

/// <summary>
/// The custom id that ties a result back to its record. One rule suits every provider we support
/// (Anthropic's is the strictest): 1 to 64 characters from A-Z, a-z, 0-9, underscore and hyphen.
/// An id that breaks it is rejected, never silently rewritten, so ids in the results are the user's own.
/// </summary>
public static class CustomIds
{
    public const int MaxLength = 64;

    public const string Pattern = "^[A-Za-z0-9_-]{1,64}$";

    // Every id of a job is checked: a table is one load per character instead of five comparisons.
    private static readonly bool[] Allowed = Enumerable.Range(0, 128)
        .Select(c => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-')
        .ToArray();

    /// <summary>The id given to a record when no id column is named: stable for the same input.</summary>
    public static string ForRow(long rowNumber) => "row-" + rowNumber.ToString(CultureInfo.InvariantCulture);

    public static bool IsValid(string? id) => Explain(id) is null;

    /// <summary>Null when <paramref name="id"/> is valid, otherwise why not, in words a user can act on.</summary>
    public static string? Explain(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "the custom id is empty";
        }

        if (id!.Length > MaxLength)
        {
            return string.Format(CultureInfo.InvariantCulture, "the custom id '{0}…' is {1} characters long; the limit is {2}", id.Substring(0, 20), id.Length, MaxLength);
        }

        foreach (var c in id)
        {
            if (!IsAllowed(c))
            {
                return string.Format(CultureInfo.InvariantCulture, "the custom id '{0}' contains '{1}'; only letters A-Z and a-z, digits, '_' and '-' are allowed ({2})", id, Printable(c), Pattern);
            }
        }

        return null;
    }

    /// <summary>The same rule as <see cref="IsValid(string?)"/>, on an id's UTF-8 bytes (a valid id is ASCII).</summary>
    internal static bool IsValid(ReadOnlySpan<byte> id)
    {
        if (id.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (var b in id)
        {
            if (b >= 128 || !Allowed[b])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="ascii"/> (an id's bytes as stored) is <paramref name="id"/>, compared without a string.</summary>
    internal static bool IsSame(ReadOnlySpan<byte> ascii, string id)
    {
        if (ascii.Length != id.Length)
        {
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            if (ascii[i] != id[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes <see cref="ForRow(long)"/>'s id as ASCII into <paramref name="destination"/> (at least 24 bytes); returns its length.</summary>
    internal static int ForRow(long rowNumber, Span<byte> destination)
    {
        "row-"u8.CopyTo(destination);
        System.Buffers.Text.Utf8Formatter.TryFormat(rowNumber, destination.Slice(4), out var digits);
        return 4 + digits;
    }

    internal static bool IsAllowed(char c) => c < 128 && Allowed[c];

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c)
        ? string.Format(CultureInfo.InvariantCulture, "U+{0:X4}", (int)c)
        : c.ToString();
}
