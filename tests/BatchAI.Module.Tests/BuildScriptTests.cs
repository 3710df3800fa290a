using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using BatchAI.ModuleTests.Support;

namespace BatchAI.ModuleTests;

/// <summary>
/// The parts of build.ps1 that can run without building (its functions, lifted from the script's syntax tree) and
/// the manifest as PowerShell's Test-ModuleManifest reads it: what a Gallery package is made of.
/// </summary>
public sealed partial class BuildScriptTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    [Fact]
    public void TheReleaseNotesOfTheCurrentVersionComeFromTheChangelog()
    {
        var version = Version();

        var notes = string.Join("\n", _session.Lines(Function("Get-ReleaseNote") + $"\nGet-ReleaseNote -Version '{version}'"));
        var unknown = _session.Run(Function("Get-ReleaseNote") + "\nGet-ReleaseNote -Version '99.0.0'");

        Assert.StartsWith("First release.", notes, StringComparison.Ordinal);
        Assert.Contains("Update-AIBatch", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("## ", notes, StringComparison.Ordinal);
        Assert.Contains("no section for version 99.0.0", unknown.Failure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheManifestDeclaresBothEditionsThePlatformsAndTheBuildVersion()
    {
        var lines = _session.Lines($$"""
            $m = Test-ModuleManifest -Path '{{PowerShellSession.Manifest}}'
            $m.Version.ToString()
            ($m.CompatiblePSEditions | Sort-Object) -join ','
            ($m.Tags | Where-Object { $_ -like 'PSEdition_*' -or $_ -in 'Windows', 'Linux', 'MacOS' } | Sort-Object) -join ','
            $m.PowerShellVersion.ToString()
            """);

        Assert.Equal([Version(), "Core,Desktop", "Linux,MacOS,PSEdition_Core,PSEdition_Desktop,Windows", "5.1"], lines);
    }

    public void Dispose() => _session.Dispose();

    /// <summary>A function of build.ps1 as its text, with the $root it reads set to the repository.</summary>
    private static string Function(string name)
    {
        var ast = Parser.ParseFile(Repository.Path("build.ps1"), out _, out _);
        var function = (FunctionDefinitionAst)ast.Find(a => a is FunctionDefinitionAst f && f.Name == name, searchNestedScriptBlocks: true);
        return $"$root = '{Repository.Root}'\n{function.Extent.Text}";
    }

    private static string Version() =>
        VersionElement().Match(File.ReadAllText(Repository.Path("Directory.Build.props"))).Groups[1].Value;

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();
}
