using System.Security.Cryptography;
using System.Text;

namespace BatchAI.Emulator.Http;

/// <summary>Identifiers in the providers' styles.</summary>
internal static class Ids
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Random(int length)
    {
        var bytes = new byte[length];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(bytes);
        }

        var builder = new StringBuilder(length);
        foreach (var b in bytes)
        {
            builder.Append(Alphabet[b % Alphabet.Length]);
        }

        return builder.ToString();
    }

    /// <summary>An identifier derived from <paramref name="seed"/>: the same seed gives the same id in every process.</summary>
    public static string Derived(string seed, int length)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(seed));
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(Alphabet[hash[i % hash.Length] % Alphabet.Length]);
        }

        return builder.ToString();
    }

    /// <summary>A stable 32-bit hash, the same on every platform and run (string.GetHashCode is not).</summary>
    public static uint Stable(string text)
    {
        unchecked
        {
            var hash = 2166136261u;
            foreach (var c in text)
            {
                hash = (hash ^ c) * 16777619u;
            }

            return hash;
        }
    }
}
