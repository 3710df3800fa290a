using System.Globalization;

namespace BatchAI.Hosting;

/// <summary>How numbers and arguments read in messages and completions, the same in every front door.</summary>
public static class Formatting
{
    /// <summary>"0.5 kB", "2.5 MB": decimal units, as the providers state their limits.</summary>
    public static string Bytes(long bytes) => bytes >= 1_000_000
        ? (bytes / 1_000_000.0).ToString("N1", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1000.0).ToString("N1", CultureInfo.InvariantCulture) + " kB";

    /// <summary>
    /// A value as PowerShell takes it back as one argument: as it is when it is a plain word, else in single quotes
    /// (a quote inside doubled), as tab completion must insert a job name such as <c>night run</c>.
    /// </summary>
    public static string QuoteArgument(string text)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        const string special = " \t'\"`$;(){}[]@#|&<>,";
        return text.Length > 0 && text.IndexOfAny(special.ToCharArray()) < 0
            ? text
            : "'" + text.Replace("'", "''") + "'";
    }
}
