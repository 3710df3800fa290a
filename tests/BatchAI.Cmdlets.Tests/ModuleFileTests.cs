using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace BatchAI.Cmdlets.Tests;

/// <summary>The module manifest and the format file, checked against the classes they describe.</summary>
public partial class ModuleFileTests
{
    private static readonly CmdletMetadata Metadata = CmdletMetadata.Instance;
    private static readonly string Manifest = File.ReadAllText(Repository.Path("module", "BatchAI.psd1"));
    private static readonly XDocument Formats = XDocument.Load(Repository.Path("module", "BatchAI.Format.ps1xml"));

    [Fact]
    public void TheManifestExportsExactlyTheCmdletClasses()
    {
        var exported = ManifestList("CmdletsToExport");

        Assert.Equal(Metadata.CmdletTypes.Select(CmdletMetadata.CmdletName).Order(), exported.Order());
        Assert.Empty(ManifestList("FunctionsToExport"));
        Assert.Empty(ManifestList("AliasesToExport"));
    }

    [Fact]
    public void TheManifestLoadsTheCmdletAssemblyAndTheFormatFile()
    {
        Assert.Equal(Metadata.Cmdlets.GetName().Name + ".dll", ManifestValue("RootModule"));
        Assert.All(ManifestList("FormatsToProcess"), f => Assert.True(File.Exists(Repository.Path("module", f)), f));
        Assert.Equal("5.1", ManifestValue("PowerShellVersion"));
        Assert.Equal(["Desktop", "Core"], ManifestList("CompatiblePSEditions"));
    }

    [Fact]
    public void TheManifestVersionIsTheBuildVersion()
    {
        var props = XDocument.Load(Repository.Path("Directory.Build.props"));
        var version = props.Descendants("Version").Single().Value;

        Assert.Equal(version, ManifestValue("ModuleVersion"));
        Assert.Equal(version, Metadata.Cmdlets.GetName().Version!.ToString(3));
    }

    [Fact]
    public void EveryViewNamesARealTypeAndItsRealProperties()
    {
        foreach (var view in Formats.Descendants("View"))
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var properties = view.Descendants("PropertyName").Select(p => p.Value).ToList();
            Assert.NotEmpty(properties);
            if (typeName == "BatchAI.ResultRow")
            {
                // Rows are PSObjects whose result columns are ResultRows.OwnColumns.
                Assert.All(properties, p => Assert.Contains(p, BatchAI.Jobs.ResultRows.OwnColumns));
                continue;
            }

            var type = Metadata.Engine.GetType(typeName) ?? Metadata.Cmdlets.GetType(typeName);
            Assert.True(type is not null, $"The view '{view.Element("Name")!.Value}' names the unknown type {typeName}");
            var publicProperties = type!.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet();
            Assert.All(properties, p => Assert.True(publicProperties.Contains(p), $"{typeName} has no property {p}"));
        }
    }

    [Fact]
    public void EveryOutputTypeHasATableView()
    {
        var viewed = Formats.Descendants("View").Where(v => v.Element("TableControl") is not null).Select(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value).ToHashSet();

        // Our own types need a view; PowerShell already shows its primitives (a Test- cmdlet's bool) well.
        var outputs = Metadata.CmdletTypes.SelectMany(CmdletMetadata.OutputTypeNames).Where(o => o.StartsWith("BatchAI.", StringComparison.Ordinal)).Distinct();

        Assert.All(outputs, o => Assert.True(viewed.Contains(o), $"No table view for {o}"));
    }

    [Fact]
    public void ViewsHaveAsManyHeadersAsColumns()
    {
        foreach (var table in Formats.Descendants("TableControl"))
        {
            Assert.Equal(table.Descendants("TableColumnHeader").Count(), table.Descendants("TableColumnItem").Count());
        }
    }

    private static string ManifestValue(string key)
    {
        var match = Regex.Match(Manifest, "^\\s*" + key + "\\s*=\\s*'([^']*)'", RegexOptions.Multiline);
        Assert.True(match.Success, key + " is missing from the manifest");
        return match.Groups[1].Value;
    }

    private static List<string> ManifestList(string key)
    {
        var match = Regex.Match(Manifest, "^\\s*" + key + "\\s*=\\s*@\\(([^)]*)\\)", RegexOptions.Multiline);
        Assert.True(match.Success, key + " is missing from the manifest");
        return QuotedString().Matches(match.Groups[1].Value).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex QuotedString();
}
