using System.Globalization;

namespace BatchAI.Hosting;

/// <summary>How numbers read in messages, the same in every front door.</summary>
public static class Formatting
{
    /// <summary>"0.5 kB", "2.5 MB": decimal units, as the providers state their limits.</summary>
    public static string Bytes(long bytes) => bytes >= 1_000_000
        ? (bytes / 1_000_000.0).ToString("N1", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1000.0).ToString("N1", CultureInfo.InvariantCulture) + " kB";
}
