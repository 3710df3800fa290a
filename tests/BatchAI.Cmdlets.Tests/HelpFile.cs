using System.Text.RegularExpressions;

namespace BatchAI.Cmdlets.Tests;

/// <summary>One platyPS markdown help file, read into its parts: front matter, sections, parameters, examples.</summary>
internal sealed partial class HelpFile
{
    private HelpFile(Dictionary<string, string> frontMatter, string title, Dictionary<string, string> sections)
    {
        FrontMatter = frontMatter;
        Title = title;
        Sections = sections;
    }

    public IReadOnlyDictionary<string, string> FrontMatter { get; }

    public string Title { get; }

    /// <summary>The "## " sections in file order, each with its text.</summary>
    public IReadOnlyDictionary<string, string> Sections { get; }

    public static HelpFile Read(string cmdlet)
    {
        var text = File.ReadAllText(Repository.Path("module", "docs", cmdlet + ".md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var parts = text.Split("---\n", 3);
        Assert.True(parts.Length == 3 && parts[0].Length == 0, cmdlet + ".md does not start with front matter");
        var frontMatter = parts[1].Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1].Trim() : string.Empty, StringComparer.Ordinal);
        var body = parts[2];
        var title = TitleLine().Match(body).Groups[1].Value.Trim();
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in body.Split("\n## ").Skip(1))
        {
            var newline = chunk.IndexOf('\n', StringComparison.Ordinal);
            sections.Add(chunk[..newline].Trim(), chunk[(newline + 1)..]);
        }

        return new HelpFile(frontMatter, title, sections);
    }

    /// <summary>The "### " headings of a section.</summary>
    public IReadOnlyList<string> Subsections(string section) =>
        Sub(Sections[section]).Select(s => s.Heading).ToList();

    /// <summary>Each "### -Name" of PARAMETERS: its description and its yaml blocks as key/value pairs.</summary>
    public IReadOnlyDictionary<string, DocumentedParameter> Parameters() =>
        Sub(Sections["PARAMETERS"]).Where(s => s.Heading.StartsWith('-'))
            .ToDictionary(
                s => s.Heading[1..],
                s => new DocumentedParameter(
                    s.Text.Split("```", 2)[0].Trim(),
                    Yaml().Matches(s.Text).Select(m => m.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                        .Select(l => l.Split(':', 2))
                        .ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1].Trim() : string.Empty, StringComparer.Ordinal)).ToList()),
                StringComparer.Ordinal);

    /// <summary>The syntax line of each parameter set ("" when the cmdlet has one set and no set headings).</summary>
    public IReadOnlyDictionary<string, string> SyntaxBlocks()
    {
        var syntax = Sections["SYNTAX"];
        var sets = Sub(syntax).ToList();
        return sets.Count == 0
            ? new Dictionary<string, string> { [string.Empty] = Code(syntax) }
            : sets.ToDictionary(s => s.Heading.Replace(" (Default)", string.Empty, StringComparison.Ordinal), s => Code(s.Text), StringComparer.Ordinal);
    }

    public IReadOnlyList<Example> Examples() =>
        Sub(Sections["EXAMPLES"]).Select(s =>
        {
            var match = PowerShellBlock().Match(s.Text);
            Assert.True(match.Success, $"{Title}, {s.Heading}: no ```powershell block");
            return new Example(s.Heading, match.Groups[1].Value, s.Text[(match.Index + match.Length)..].Trim());
        }).ToList();

    private static string Code(string text)
    {
        var match = PlainBlock().Match(text);
        Assert.True(match.Success, "a syntax block is missing");
        return match.Groups[1].Value.Trim();
    }

    private static IEnumerable<(string Heading, string Text)> Sub(string section) =>
        section.Split("### ").Skip(1).Select(chunk =>
        {
            var newline = chunk.IndexOf('\n', StringComparison.Ordinal);
            return newline < 0 ? (chunk.Trim(), string.Empty) : (chunk[..newline].Trim(), chunk[(newline + 1)..]);
        });

    [GeneratedRegex(@"^# (.+)$", RegexOptions.Multiline)]
    private static partial Regex TitleLine();

    [GeneratedRegex(@"```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Yaml();

    [GeneratedRegex(@"```powershell\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex PowerShellBlock();

    [GeneratedRegex(@"```\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex PlainBlock();
}

internal sealed record DocumentedParameter(string Description, IReadOnlyList<Dictionary<string, string>> Blocks);

internal sealed record Example(string Title, string Code, string Explanation);
