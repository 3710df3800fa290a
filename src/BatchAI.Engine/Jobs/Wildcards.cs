using System.Text;
using System.Text.RegularExpressions;

namespace BatchAI.Jobs;

/// <summary>PowerShell-style wildcards for job ids and names: <c>*</c>, <c>?</c> and <c>[abc]</c>, case-insensitive.</summary>
public static class Wildcards
{
    public static bool HasWildcards(string pattern) => pattern is not null && pattern.IndexOfAny(['*', '?', '[']) >= 0;

    public static bool IsMatch(string pattern, string? text)
    {
        if (pattern is null)
        {
            throw new ArgumentNullException(nameof(pattern));
        }

        return text is not null && Regex.IsMatch(text, ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    private static string ToRegex(string pattern)
    {
        var builder = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    builder.Append(".*");
                    break;
                case '?':
                    builder.Append('.');
                    break;
                case '[' when pattern.IndexOf(']', i + 1) is var close and > 0:
                    builder.Append('[').Append(Regex.Escape(pattern.Substring(i + 1, close - i - 1)).Replace("\\-", "-")).Append(']');
                    i = close;
                    break;
                default:
                    builder.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return builder.Append('$').ToString();
    }
}

/// <summary>The jobs that ids, names or wildcard patterns found, and the plain ids or names that found nothing.</summary>
public sealed class JobSearch(IReadOnlyList<BatchJob> jobs, IReadOnlyList<string> unmatched)
{
    public IReadOnlyList<BatchJob> Jobs { get; } = jobs;

    /// <summary>Ids or names without wildcards that match no job (a wildcard matching nothing is no error).</summary>
    public IReadOnlyList<string> Unmatched { get; } = unmatched;
}
