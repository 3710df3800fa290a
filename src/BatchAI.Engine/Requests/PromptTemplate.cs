using System.Globalization;
using System.Text;

namespace BatchAI.Requests;

/// <summary>
/// A prompt with <c>{Column}</c> placeholders, parsed once. <c>{{</c> and <c>}}</c> stand for literal braces.
/// Anything between braces is a column name, spaces included, so <c>{Customer Name}</c> works.
/// </summary>
public sealed class PromptTemplate
{
    [ThreadStatic]
    private static StringBuilder? t_builder;

    private readonly IReadOnlyList<Segment> _segments;

    // Replaced whole, never changed, so a template shared by threads always sees a consistent pair.
    private ResolvedColumns? _resolved;

    private PromptTemplate(string text, IReadOnlyList<Segment> segments)
    {
        Text = text;
        _segments = segments;
        Placeholders = segments.Where(s => s.IsPlaceholder).Select(s => s.Value).Distinct(StringComparer.Ordinal).ToList();
    }

    public string Text { get; }

    /// <summary>The distinct column names the template refers to, in order of first use.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    /// <exception cref="TemplateSyntaxException">An unmatched brace or an empty placeholder.</exception>
    public static PromptTemplate Parse(string text)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        var segments = new List<Segment>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{')
            {
                literal.Append('{');
                i += 2;
            }
            else if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                literal.Append('}');
                i += 2;
            }
            else if (c == '}')
            {
                throw new TemplateSyntaxException(text, i, "a '}' closes no placeholder; write '}}' for a literal brace");
            }
            else if (c == '{')
            {
                var close = text.IndexOf('}', i + 1);
                var nestedOpen = text.IndexOf('{', i + 1);
                if (close < 0)
                {
                    throw new TemplateSyntaxException(text, i, "a '{' is never closed; write '{{' for a literal brace");
                }

                if (nestedOpen >= 0 && nestedOpen < close)
                {
                    throw new TemplateSyntaxException(text, nestedOpen, "a placeholder cannot contain '{'");
                }

                var name = text.Substring(i + 1, close - i - 1);
                if (name.Trim().Length == 0)
                {
                    throw new TemplateSyntaxException(text, i, "an empty placeholder '{}' names no column");
                }

                if (literal.Length > 0)
                {
                    segments.Add(Segment.Literal(literal.ToString()));
                    literal.Clear();
                }

                segments.Add(Segment.Placeholder(name));
                i = close + 1;
            }
            else
            {
                literal.Append(c);
                i++;
            }
        }

        if (literal.Length > 0)
        {
            segments.Add(Segment.Literal(literal.ToString()));
        }

        return new PromptTemplate(text, segments);
    }

    /// <summary>The placeholders that name no column of <paramref name="columns"/>.</summary>
    public IReadOnlyList<string> MissingColumns(ColumnSet columns)
    {
        if (columns is null)
        {
            throw new ArgumentNullException(nameof(columns));
        }

        return Placeholders.Where(p => !columns.TryGetIndex(p, out _)).ToList();
    }

    /// <summary>Fills the placeholders from <paramref name="record"/>; the record must have every column (see <see cref="MissingColumns"/>).</summary>
    public string Render(SourceRecord record)
    {
        if (record is null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        // Records of one file share their columns: look the placeholders up once for them, not by name on every row.
        var resolved = _resolved;
        if (!ReferenceEquals(resolved?.Columns, record.Columns))
        {
            resolved = new ResolvedColumns(record.Columns, _segments.Select(s => s.IsPlaceholder ? IndexOf(record.Columns, s.Value) : -1).ToArray());
            _resolved = resolved;
        }

        var builder = t_builder ??= new StringBuilder();
        builder.Clear();
        for (var i = 0; i < _segments.Count; i++)
        {
            var segment = _segments[i];
            builder.Append(segment.IsPlaceholder ? RecordValue.ToText(record.Values[resolved!.Indexes[i]]) : segment.Value);
        }

        var text = builder.ToString();
        if (builder.Capacity > 1 << 16)
        {
            t_builder = null; // a rare long prompt does not stay in memory
        }

        return text;
    }

    private static int IndexOf(ColumnSet columns, string name) =>
        columns.TryGetIndex(name, out var index) ? index : throw new InvalidOperationException($"The record has no column '{name}'; check MissingColumns first.");

    public override string ToString() => Text;

    /// <summary>The template's pieces in order: literal text, or a placeholder's column name.</summary>
    internal IEnumerable<(bool IsPlaceholder, string Value)> Segments() => _segments.Select(s => (s.IsPlaceholder, s.Value));

    /// <summary>Where each placeholder's column is in records with these columns (-1 for literal segments).</summary>
    private sealed class ResolvedColumns(ColumnSet columns, int[] indexes)
    {
        public ColumnSet Columns { get; } = columns;

        public int[] Indexes { get; } = indexes;
    }

    private readonly struct Segment(bool isPlaceholder, string value)
    {
        public bool IsPlaceholder { get; } = isPlaceholder;

        public string Value { get; } = value;

        public static Segment Literal(string text) => new(false, text);

        public static Segment Placeholder(string name) => new(true, name);
    }
}

/// <summary>A prompt template that cannot be parsed; the message quotes the template and the position.</summary>
public sealed class TemplateSyntaxException : BatchAIException
{
    public TemplateSyntaxException(string template, int position, string problem)
        : base(ErrorKind.InvalidInput, "PromptTemplateInvalid", string.Format(CultureInfo.InvariantCulture, "The prompt template is not valid at character {0}: {1}. Template: {2}", position + 1, problem, template))
    {
        Position = position;
    }

    public int Position { get; }
}
