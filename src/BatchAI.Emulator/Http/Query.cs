using System.Globalization;

namespace BatchAI.Emulator.Http;

/// <summary>Query-string parsing, without System.Web.</summary>
internal static class Query
{
    public static IReadOnlyDictionary<string, string> Parse(Uri uri)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var query = uri.Query.TrimStart('?');
        foreach (var pair in query.Split(['&'], StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString((equals < 0 ? pair : pair.Substring(0, equals)).Replace('+', ' '));
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair.Substring(equals + 1).Replace('+', ' '));
            values[name] = value;
        }

        return values;
    }

    public static bool TryLimit(IReadOnlyDictionary<string, string> query, int defaultLimit, int maxLimit, out int limit)
    {
        limit = defaultLimit;
        if (!query.TryGetValue("limit", out var text))
        {
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit >= 1 && limit <= maxLimit;
    }
}
