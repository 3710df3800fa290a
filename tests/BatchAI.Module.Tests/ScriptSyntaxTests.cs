using System.Management.Automation.Language;

namespace BatchAI.ModuleTests;

/// <summary>
/// Every PowerShell file of the repository parsed by PowerShell's own parser (from the PowerShell SDK package), beside
/// the grammar check the contract tests run: a syntax error in a script, the manifest or the Pester suite cannot land.
/// </summary>
public sealed class ScriptSyntaxTests
{
    private static readonly string[] Skipped = ["node_modules", ".git", "bin", "obj", "out", "TestResults"];

    public static TheoryData<string> Scripts()
    {
        var files = new TheoryData<string>();
        foreach (var file in Walk(Repository.Root).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetRelativePath(Repository.Root, file));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void ParsesWithoutErrors(string file)
    {
        Parser.ParseFile(Path.Combine(Repository.Root, file), out _, out var errors);

        Assert.True(errors.Length == 0, string.Join(Environment.NewLine, errors.Select(e => $"{file}:{e.Extent.StartLineNumber}: {e.Message}")));
    }

    [Fact]
    public void TheScriptsAreFound()
    {
        var found = Walk(Repository.Root).Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/')).ToList();

        Assert.Contains("build.ps1", found);
        Assert.Contains("tests/Pester/BatchAI.Tests.ps1", found);
        Assert.Contains("module/BatchAI.psd1", found);
    }

    private static IEnumerable<string> Walk(string folder)
    {
        foreach (var file in Directory.GetFiles(folder).Where(f => Path.GetExtension(f) is ".ps1" or ".psm1" or ".psd1"))
        {
            yield return file;
        }

        foreach (var sub in Directory.GetDirectories(folder).Where(d => !Skipped.Contains(Path.GetFileName(d))))
        {
            foreach (var file in Walk(sub))
            {
                yield return file;
            }
        }
    }
}
