using System.Globalization;
using System.Text.RegularExpressions;

namespace BatchAI.Urgency;

/// <summary>Durations as people write them in a steps file: <c>30s</c>, <c>10m</c>, <c>12h</c>, <c>7d</c>, <c>1h30m</c>, or <c>hh:mm:ss</c>.</summary>
public static class Durations
{
    private static readonly Regex Compact = new(@"^\s*(?:(?<d>\d+(?:\.\d+)?)\s*d)?\s*(?:(?<h>\d+(?:\.\d+)?)\s*h)?\s*(?:(?<m>\d+(?:\.\d+)?)\s*m)?\s*(?:(?<s>\d+(?:\.\d+)?)\s*s)?\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    /// <summary>Null for an empty text; false for one that is not a duration.</summary>
    public static bool TryParse(string? text, out TimeSpan? duration)
    {
        duration = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var match = Compact.Match(text!);
        if (match.Success && (match.Groups["d"].Success || match.Groups["h"].Success || match.Groups["m"].Success || match.Groups["s"].Success))
        {
            double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
            duration = TimeSpan.FromDays(Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s"));
            return true;
        }

        if (TimeSpan.TryParse(text!.Trim(), CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            duration = span;
            return true;
        }

        return false;
    }

    /// <summary>"30 s", "10 min", "12 h", "7 d", "1 h 30 min".</summary>
    public static string Describe(TimeSpan duration)
    {
        if (duration.TotalSeconds < 60)
        {
            return duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
        }

        // Hours up to two days ("24 h" reads better than "1 d" for a batch window), days beyond.
        var parts = new List<string>();
        var days = duration.TotalHours < 48 ? 0 : duration.Days;
        var hours = days == 0 ? (int)duration.TotalHours : duration.Hours;
        if (days > 0)
        {
            parts.Add(days.ToString(CultureInfo.InvariantCulture) + " d");
        }

        if (hours > 0)
        {
            parts.Add(hours.ToString(CultureInfo.InvariantCulture) + " h");
        }

        if (duration.Minutes > 0)
        {
            parts.Add(duration.Minutes.ToString(CultureInfo.InvariantCulture) + " min");
        }

        return string.Join(" ", parts);
    }
}
