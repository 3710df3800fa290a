using System.Reflection;
using System.Text.RegularExpressions;

namespace BatchAI.Cmdlets.Tests;

/// <summary>
/// The help in module/docs (platyPS markdown, compiled to MAML by build.ps1 where platyPS is installed) against the
/// cmdlet classes: every cmdlet and every parameter documented as it is declared, every syntax block complete, every
/// example chaining the pipeline and naming real cmdlets and parameters. The same check runs over the README's
/// PowerShell and the Windows recipes, so no text a user copies names a parameter that does not exist.
/// </summary>
public sealed partial class HelpTests
{
    private static readonly CmdletMetadata Metadata = CmdletMetadata.Instance;
    private static readonly string Docs = Repository.Path("module", "docs");

    public static TheoryData<string> CmdletNames => [.. Names];

    private static IEnumerable<string> Names => CmdletMetadata.Instance.CmdletTypes.Select(CmdletMetadata.CmdletName);

    [Fact]
    public void EveryCmdletHasAHelpFileAndTheAboutTopicIsThere()
    {
        var files = Directory.GetFiles(Docs, "*.md").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);

        Assert.Equal(Names.Append("about_BatchAI").Order(StringComparer.Ordinal), files);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void EachHelpFileHasThePlatyPSLayout(string cmdlet)
    {
        var help = HelpFile.Read(cmdlet);

        Assert.Equal("BatchAI", help.FrontMatter["Module Name"]);
        Assert.Equal("BatchAI.Cmdlets.dll-Help.xml", help.FrontMatter["external help file"]);
        Assert.Equal("2.0.0", help.FrontMatter["schema"]);
        Assert.Equal(cmdlet, help.Title);
        Assert.Equal(["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"], help.Sections.Keys);
        Assert.True(help.Sections["SYNOPSIS"].Trim().Length > 20, "the synopsis says too little");
        Assert.True(help.Sections["DESCRIPTION"].Trim().Length > 80, "the description says too little");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void EveryParameterIsDocumentedAsItIsDeclared(string cmdlet)
    {
        var type = Type(cmdlet);
        var help = HelpFile.Read(cmdlet);
        var documented = help.Parameters();
        var declared = CmdletMetadata.Parameters(type).GroupBy(p => p.Property.Name).ToList();
        var shouldProcess = CmdletMetadata.Named<bool>(CmdletMetadata.Attribute(type, "CmdletAttribute")!, "SupportsShouldProcess");

        Assert.Equal(
            declared.Select(g => g.Key).Concat(shouldProcess ? ["Confirm", "WhatIf"] : []).Order(StringComparer.Ordinal),
            documented.Keys.Order(StringComparer.Ordinal));
        foreach (var parameter in declared)
        {
            var doc = documented[parameter.Key];
            var property = parameter.First().Property;
            Assert.True(doc.Description.Length > 10, $"-{parameter.Key} has no description");
            Assert.All(doc.Blocks, b => Assert.Equal(TypeName(property.PropertyType), b["Type"]));
            Assert.All(doc.Blocks, b => Assert.Equal(string.Join(", ", Aliases(property)), b["Aliases"]));
            Assert.All(doc.Blocks, b => Assert.Equal(CmdletMetadata.Attribute(property, "SupportsWildcardsAttribute") is not null, bool.Parse(b["Accept wildcard characters"])));
            if (AcceptedValues(property) is { } accepted)
            {
                Assert.All(doc.Blocks, b => Assert.Equal(accepted, b["Accepted values"]));
            }

            // One block per way the parameter is declared, naming the parameter sets it is declared that way in.
            var expected = parameter.Select(p => p.Parameter)
                .GroupBy(a => (Required: CmdletMetadata.Named<bool>(a, "Mandatory"), Position: Position(a), Pipeline: Pipeline(a)))
                .Select(g => (g.Key.Required, g.Key.Position, g.Key.Pipeline, Sets: g.Any(a => CmdletMetadata.SetOf(a) == CmdletMetadata.AllSets) ? "(All)" : string.Join(", ", g.Select(CmdletMetadata.SetOf))))
                .OrderBy(x => x.Sets, StringComparer.Ordinal);
            var actual = doc.Blocks.Select(b => (bool.Parse(b["Required"]), b["Position"], b["Accept pipeline input"], b["Parameter Sets"])).OrderBy(x => x.Item4, StringComparer.Ordinal);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void TheSyntaxShowsEveryParameterSetWithItsParameters(string cmdlet)
    {
        var type = Type(cmdlet);
        var blocks = HelpFile.Read(cmdlet).SyntaxBlocks();
        var sets = CmdletMetadata.Parameters(type).Select(p => CmdletMetadata.SetOf(p.Parameter)).Where(s => s != CmdletMetadata.AllSets).Distinct().ToList();

        Assert.Equal(sets.Count == 0 ? [string.Empty] : sets.Order(StringComparer.Ordinal), blocks.Keys.Order(StringComparer.Ordinal));
        foreach (var (set, line) in blocks)
        {
            Assert.StartsWith(cmdlet + " ", line, StringComparison.Ordinal);
            var inSet = CmdletMetadata.Parameters(type).Where(p => set.Length == 0 || CmdletMetadata.SetOf(p.Parameter) is var s && (s == set || s == CmdletMetadata.AllSets)).Select(p => p.Property.Name).Distinct();
            var shown = ParameterInSyntax().Matches(line).Select(m => m.Groups[1].Value).Where(n => n is not ("WhatIf" or "Confirm")).ToList();
            Assert.Equal(inSet.Order(StringComparer.Ordinal), shown.Order(StringComparer.Ordinal));
            Assert.EndsWith("[<CommonParameters>]", line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void TheDefaultParameterSetIsMarkedAsTheCmdletDeclaresIt(string cmdlet)
    {
        var declared = CmdletMetadata.Named<string>(CmdletMetadata.Attribute(Type(cmdlet), "CmdletAttribute")!, "DefaultParameterSetName");
        var marked = HelpFile.Read(cmdlet).Subsections("SYNTAX").Where(h => h.EndsWith(" (Default)", StringComparison.Ordinal)).Select(h => h[..^" (Default)".Length]);

        Assert.Equal(declared is null ? [] : [declared], marked);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void TheOutputsAreTheDeclaredOutputTypes(string cmdlet)
    {
        var outputs = HelpFile.Read(cmdlet).Subsections("OUTPUTS");

        Assert.Equal(CmdletMetadata.OutputTypeNames(Type(cmdlet)).Order(StringComparer.Ordinal), outputs.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void ExamplesChainThePipelineAndNameOnlyRealCmdletsAndParameters(string cmdlet)
    {
        var examples = HelpFile.Read(cmdlet).Examples();

        Assert.True(examples.Count >= 2, $"{cmdlet} has {examples.Count} example(s)");
        Assert.True(examples.Count(e => e.Code.Contains('|', StringComparison.Ordinal)) >= 2, $"{cmdlet}: fewer than two examples chain the pipeline");
        Assert.All(examples, e => Assert.Contains(cmdlet, PowerShellUsage.CmdletsUsed(e.Code), StringComparer.OrdinalIgnoreCase));
        Assert.All(examples, e => Assert.True(e.Explanation.Length > 10, $"{cmdlet}, '{e.Title}': the example is not explained"));
        Assert.Empty(examples.SelectMany(e => PowerShellUsage.Problems(e.Code, Metadata.CmdletTypes).Select(p => $"{e.Title}: {p}")));
    }

    [Fact]
    public void TheAboutTopicNamesEveryCmdletAndItsExamplesAreReal()
    {
        var about = File.ReadAllText(Path.Combine(Docs, "about_BatchAI.md"));

        Assert.StartsWith("# about_BatchAI", about, StringComparison.Ordinal);
        Assert.All(["## SHORT DESCRIPTION", "## LONG DESCRIPTION", "## EXAMPLES", "## SEE ALSO"], heading => Assert.Contains(heading, about, StringComparison.Ordinal));
        Assert.All(Names, name => Assert.Contains(name, about, StringComparison.Ordinal));
        Assert.Empty(CodeBlocks(about).SelectMany(code => PowerShellUsage.Problems(code, Metadata.CmdletTypes)));
    }

    [Fact]
    public void TheReadmeAndTheWindowsRecipesNameOnlyRealCmdletsAndParameters()
    {
        var readme = CodeBlocks(File.ReadAllText(Repository.Path("README.md"))).ToList();
        var recipes = Directory.GetFiles(Repository.Path("recipes", "windows"), "*.ps1").Select(File.ReadAllText).ToList();

        Assert.NotEmpty(readme);
        Assert.Contains(recipes, r => r.Contains("Update-AIBatch", StringComparison.Ordinal));
        Assert.Empty(readme.Concat(recipes).SelectMany(code => PowerShellUsage.Problems(code, Metadata.CmdletTypes)));
    }

    [Fact]
    public void TheCheckerCatchesAMadeUpCmdletAndAMadeUpParameter()
    {
        var problems = PowerShellUsage.Problems(
            """
            Import-Csv x.csv | New-BatchRequest -Prompt 'a -NotAParameter in a string' -Model m -Colour red |
                Submit-AIBatches -Name x
            Get-AIBatch -Id (Get-Date -Format 'yyyy') -NoRefresh:$true -Verbose | Wait-AIBatch -TimeoutSec 5 -WhatIf
            Get-AIModelPrice -WhatIf # a comment with -Fake in it
            """,
            Metadata.CmdletTypes);

        Assert.Equal(["New-BatchRequest has no parameter -Colour", "'Submit-AIBatches' is not a cmdlet of the module", "Get-AIModelPrice has no parameter -WhatIf"], problems);
    }

    private static Type Type(string cmdlet) => Metadata.CmdletTypes.Single(t => CmdletMetadata.CmdletName(t) == cmdlet);

    private static IEnumerable<string> CodeBlocks(string markdown) =>
        FencedPowerShell().Matches(markdown).Select(m => m.Groups[1].Value);

    /// <summary>The type as platyPS writes it: the short name, a nullable value as its underlying type.</summary>
    private static string TypeName(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0].Name : type.Name;

    private static IEnumerable<string> Aliases(PropertyInfo property) =>
        CmdletMetadata.Attributes(property, "AliasAttribute").SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!);

    private static string? AcceptedValues(PropertyInfo property)
    {
        if (CmdletMetadata.Attribute(property, "ValidateSetAttribute") is { } set)
        {
            return string.Join(", ", ((IEnumerable<CustomAttributeTypedArgument>)set.ConstructorArguments[0].Value!).Select(v => (string)v.Value!));
        }

        var type = property.PropertyType.IsGenericType ? property.PropertyType.GetGenericArguments()[0] : property.PropertyType;
        return type.IsEnum ? string.Join(", ", type.GetFields().Where(f => f.IsStatic).Select(f => f.Name)) : null;
    }

    private static string Position(CustomAttributeData parameter) =>
        parameter.NamedArguments.Any(a => a.MemberName == "Position") ? CmdletMetadata.Named<int>(parameter, "Position").ToString(System.Globalization.CultureInfo.InvariantCulture) : "Named";

    private static string Pipeline(CustomAttributeData parameter)
    {
        var kinds = new[] { ("ByPropertyName", CmdletMetadata.Named<bool>(parameter, "ValueFromPipelineByPropertyName")), ("ByValue", CmdletMetadata.Named<bool>(parameter, "ValueFromPipeline")) }
            .Where(k => k.Item2).Select(k => k.Item1).ToList();
        return kinds.Count == 0 ? "False" : "True (" + string.Join(", ", kinds) + ")";
    }

    [GeneratedRegex(@"```powershell\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedPowerShell();

    [GeneratedRegex(@"(?<=[\s\[])-(\w+)")]
    private static partial Regex ParameterInSyntax();
}
