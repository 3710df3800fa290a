using System.Text.RegularExpressions;

namespace BatchAI.Providers.Http;

/// <summary>
/// Removes secrets from text before it reaches a log, an exception message or verbose output: every known key
/// (whole, and any long fragment of it a provider may echo back), and the values of credential-like query parameters.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "***";
    private static readonly Regex SecretQuery = new("(?<name>[?&](?:key|api[-_]?key|access_token|token|sig|signature)=)[^&#\\s]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private readonly List<string> _secrets = [];

    public SecretRedactor(params string?[] secrets)
    {
        foreach (var secret in secrets)
        {
            Add(secret);
        }
    }

    /// <summary>Registers a secret. Too-short values are ignored: masking "a" everywhere would mangle every message.</summary>
    public void Add(string? secret)
    {
        if (secret is { Length: >= 8 } && !_secrets.Contains(secret))
        {
            _secrets.Add(secret);
        }
    }

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = SecretQuery.Replace(text!, m => m.Groups["name"].Value + Mask);
        if (_secrets.Count == 0)
        {
            return result;
        }

        // Mark every character covered by a key or by a 12-character window of one (providers echo keys partly, as
        // "sk-abc...wxyz"), then mask each marked run once. Replacing fragment by fragment would not do: the first
        // replacement breaks the overlapping fragments around it, and their characters would leak.
        var covered = new bool[result.Length];
        foreach (var secret in _secrets)
        {
            var window = Math.Min(secret.Length, 12);
            for (var i = 0; i + window <= secret.Length; i++)
            {
                var fragment = secret.Substring(i, window);
                for (var at = result.IndexOf(fragment, StringComparison.Ordinal); at >= 0; at = result.IndexOf(fragment, at + 1, StringComparison.Ordinal))
                {
                    for (var c = at; c < at + window; c++)
                    {
                        covered[c] = true;
                    }
                }
            }
        }

        var builder = new System.Text.StringBuilder(result.Length);
        for (var c = 0; c < result.Length; c++)
        {
            if (!covered[c])
            {
                builder.Append(result[c]);
            }
            else if (c == 0 || !covered[c - 1])
            {
                builder.Append(Mask);
            }
        }

        return builder.ToString();
    }

    public string Redact(Uri? uri) => uri is null ? string.Empty : Redact(uri.ToString());
}
