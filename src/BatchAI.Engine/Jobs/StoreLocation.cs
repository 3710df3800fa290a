using System.Runtime.InteropServices;

namespace BatchAI.Jobs;

/// <summary>Where the job ledger lives.</summary>
public static class StoreLocation
{
    public const string Variable = "BATCHAI_HOME";

    /// <summary>
    /// <paramref name="explicitStore"/> when given; else <c>BATCHAI_HOME</c>; else <c>%LOCALAPPDATA%\BatchAI</c> on
    /// Windows, and <c>$XDG_DATA_HOME/batchai</c> or <c>~/.local/share/batchai</c> elsewhere.
    /// </summary>
    public static string Resolve(string? explicitStore = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitStore))
        {
            return Path.GetFullPath(explicitStore);
        }

        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } home)
        {
            return Path.GetFullPath(home);
        }

        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "BatchAI");
        }

        if (Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "batchai");
        }

        var userHome = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(userHome, ".local", "share", "batchai");
    }
}
