using System.Reflection;
using System.Text;

namespace BatchAI.Cmdlets.Tests;

/// <summary>
/// Reads PowerShell text (help examples, README blocks, recipe scripts) for uses of this module's cmdlets, and says
/// which name a cmdlet or a parameter that does not exist. A light scanner, not a parser: it skips strings and
/// comments, follows line continuations, and tracks which command each -Parameter belongs to through pipes and
/// parentheses. Anything named like ours (a noun starting with AI or Batch) must be a real cmdlet.
/// </summary>
internal static class PowerShellUsage
{
    private static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "vb", "Debug", "db", "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa",
        "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv", "OutVariable", "ov",
        "OutBuffer", "ob", "PipelineVariable", "pv", "ProgressAction", "proga",
    };

    private static readonly HashSet<string> ShouldProcessParameters = new(StringComparer.OrdinalIgnoreCase) { "WhatIf", "wi", "Confirm", "cf" };

    /// <summary>The cmdlets of this module that <paramref name="code"/> uses, by name.</summary>
    public static IReadOnlyList<string> CmdletsUsed(string code) =>
        Tokens(code).Where(t => t.Kind == TokenKind.Word && IsOurs(t.Text)).Select(t => t.Text).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>Every misuse found: a cmdlet that does not exist, or a parameter its cmdlet does not have.</summary>
    public static IReadOnlyList<string> Problems(string code, IReadOnlyList<Type> cmdlets)
    {
        var byName = cmdlets.ToDictionary(CmdletMetadata.CmdletName, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        var stack = new Stack<Type?>();
        Type? current = null;
        foreach (var token in Tokens(code))
        {
            switch (token.Kind)
            {
                case TokenKind.Open:
                    stack.Push(current);
                    current = null;
                    break;
                case TokenKind.Close:
                    current = stack.Count > 0 ? stack.Pop() : null;
                    break;
                case TokenKind.Separator:
                    current = null;
                    break;
                case TokenKind.Word when IsOurs(token.Text):
                    if (byName.TryGetValue(token.Text, out var cmdlet))
                    {
                        current = cmdlet;
                    }
                    else
                    {
                        problems.Add($"'{token.Text}' is not a cmdlet of the module");
                        current = null;
                    }

                    break;
                case TokenKind.Word when IsCommandName(token.Text):
                    current = null; // another module's command: its parameters are not ours to check
                    break;
                case TokenKind.Parameter when current is not null:
                    var name = token.Text[1..].Split(':')[0];
                    if (!Accepts(current, name))
                    {
                        problems.Add($"{CmdletMetadata.CmdletName(current)} has no parameter -{name}");
                    }

                    break;
            }
        }

        return problems;
    }

    private static bool Accepts(Type cmdlet, string name)
    {
        if (CommonParameters.Contains(name))
        {
            return true;
        }

        if (ShouldProcessParameters.Contains(name))
        {
            return CmdletMetadata.Named<bool>(CmdletMetadata.Attribute(cmdlet, "CmdletAttribute")!, "SupportsShouldProcess");
        }

        return CmdletMetadata.Parameters(cmdlet).Select(p => p.Property).Distinct().Any(p =>
            string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)
            || CmdletMetadata.Attributes(p, "AliasAttribute").SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Any(v => string.Equals((string)v.Value!, name, StringComparison.OrdinalIgnoreCase)));
    }

    private static bool IsCommandName(string word)
    {
        var dash = word.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && dash < word.Length - 1 && char.IsUpper(word[0]) && word.Skip(1).Take(dash - 1).All(char.IsLetter);
    }

    private static bool IsOurs(string word) =>
        IsCommandName(word) && word[(word.IndexOf('-', StringComparison.Ordinal) + 1)..] is var noun
        && (noun.StartsWith("AI", StringComparison.Ordinal) || noun.StartsWith("Batch", StringComparison.Ordinal));

    private enum TokenKind
    {
        Word,
        Parameter,
        Open,
        Close,
        Separator,
    }

    private readonly record struct Token(TokenKind Kind, string Text);

    private static List<Token> Tokens(string code)
    {
        var i = 0;
        var word = new StringBuilder();
        var wordStartsAfterSpace = true;
        var atSpace = true;
        var result = new List<Token>();
        void EndWord()
        {
            if (word.Length > 0)
            {
                var text = word.ToString();
                result.Add(new Token(wordStartsAfterSpace && text.Length > 1 && text[0] == '-' && char.IsLetter(text[1]) ? TokenKind.Parameter : TokenKind.Word, text));
                word.Clear();
            }
        }

        while (i < code.Length)
        {
            var c = code[i];
            if (c == '<' && i + 1 < code.Length && code[i + 1] == '#')
            {
                EndWord();
                var end = code.IndexOf("#>", i + 2, StringComparison.Ordinal);
                i = end < 0 ? code.Length : end + 2;
                atSpace = true;
                continue;
            }

            if (c == '#' && atSpace)
            {
                EndWord();
                while (i < code.Length && code[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (c == '`' && i + 1 < code.Length && (code[i + 1] == '\n' || code[i + 1] == '\r'))
            {
                EndWord(); // a line continuation
                i += code[i + 1] == '\r' && i + 2 < code.Length && code[i + 2] == '\n' ? 3 : 2;
                atSpace = true;
                continue;
            }

            if (c is '\'' or '"')
            {
                EndWord();
                i = SkipString(code, i);
                atSpace = false;
                continue;
            }

            if (c is '(' or '{' or '[' or ')' or '}' or ']' or '|' or ';' or '\n' or '\r')
            {
                EndWord();
                result.Add(new Token(c switch { '(' or '{' or '[' => TokenKind.Open, ')' or '}' or ']' => TokenKind.Close, _ => TokenKind.Separator }, c.ToString()));
                i++;
                atSpace = true;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                EndWord();
                atSpace = true;
                i++;
                continue;
            }

            if (word.Length == 0)
            {
                wordStartsAfterSpace = atSpace;
            }

            word.Append(c);
            atSpace = false;
            i++;
        }

        EndWord();
        return result;
    }

    /// <summary>The index after the string that starts at <paramref name="start"/>: '' doubles in single quotes, ` escapes in double.</summary>
    private static int SkipString(string code, int start)
    {
        var quote = code[start];
        var i = start + 1;
        while (i < code.Length)
        {
            if (quote == '"' && code[i] == '`')
            {
                i += 2;
                continue;
            }

            if (code[i] == quote)
            {
                if (quote == '\'' && i + 1 < code.Length && code[i + 1] == '\'')
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return i;
    }
}
