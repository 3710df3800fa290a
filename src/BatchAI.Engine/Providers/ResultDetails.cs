using System.Collections;
using System.Collections.ObjectModel;

namespace BatchAI.Providers;

/// <summary>
/// A result line's provider specifics (finish reason, model, request id, ...): a handful of names, each once, kept
/// in the order they were set, as a dictionary would give them. Made for every line of a download, a million of them
/// in a large job, so it is one small array, searched name by name, rather than a hash table that grows as it fills.
/// </summary>
internal sealed class ResultDetails : IReadOnlyDictionary<string, string>
{
    /// <summary>No details, shared: it cannot be changed.</summary>
    public static readonly IReadOnlyDictionary<string, string> None = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    private KeyValuePair<string, string>[] _pairs;
    private int _count;

    /// <param name="capacity">How many names it will likely hold (it grows past them if need be).</param>
    public ResultDetails(int capacity = 6) => _pairs = new KeyValuePair<string, string>[capacity];

    public int Count => _count;

    /// <summary>The names and values in the order they were added: read a million times a download, without an enumerator object each time.</summary>
    public ReadOnlySpan<KeyValuePair<string, string>> Pairs => new(_pairs, 0, _count);

    public IEnumerable<string> Keys => this.Select(p => p.Key);

    public IEnumerable<string> Values => this.Select(p => p.Value);

    /// <summary>The value of <paramref name="key"/>; setting it replaces the value, or adds the name at the end.</summary>
    public string this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The details have no '{key}'.");
        set
        {
            var at = IndexOf(key);
            if (at >= 0)
            {
                _pairs[at] = new KeyValuePair<string, string>(key, value);
                return;
            }

            if (_count == _pairs.Length)
            {
                Array.Resize(ref _pairs, Math.Max(4, _count * 2));
            }

            _pairs[_count++] = new KeyValuePair<string, string>(key, value);
        }
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, out string value)
    {
        var at = IndexOf(key);
        value = at >= 0 ? _pairs[at].Value : null!;
        return at >= 0;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _pairs[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_pairs[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
