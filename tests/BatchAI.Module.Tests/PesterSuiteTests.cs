using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using BatchAI.ModuleTests.Support;

namespace BatchAI.ModuleTests;

/// <summary>
/// The Pester suite (tests/Pester, written for machines with pwsh) run here: Pester 5 from its NuGet package, in the
/// PowerShell 7.6 this process hosts, against the module folder the build assembled. Where pwsh exists, build.ps1
/// -Task Test runs the same suite there too (and Windows PowerShell 5.1 where that is the shell).
/// </summary>
public sealed class PesterSuiteTests
{
    private static readonly string Pester = typeof(PesterSuiteTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Pester").Value!;

    [Fact]
    public void ThePesterSuitePasses()
    {
        Assert.True(File.Exists(Pester), "Pester is not restored: " + Pester);
        Environment.SetEnvironmentVariable("BATCHAI_MODULE", PowerShellSession.Manifest);
        try
        {
            var state = InitialSessionState.CreateDefault2();
            using var runspace = RunspaceFactory.CreateRunspace(state);
            runspace.Open();
            using var shell = PowerShell.Create();
            shell.Runspace = runspace;
            shell.AddScript($$"""
                Import-Module -Name '{{Pester}}' -Force -ErrorAction Stop
                $configuration = New-PesterConfiguration
                $configuration.Run.Path = '{{Repository.Path("tests", "Pester")}}'
                $configuration.Run.PassThru = $true
                $configuration.Output.Verbosity = 'None'
                $result = Invoke-Pester -Configuration $configuration
                "passed $($result.PassedCount)"
                "failed $($result.FailedCount)"
                "notrun $($result.NotRunCount + $result.SkippedCount)"
                $result.Failed | ForEach-Object { 'FAILED ' + $_.ExpandedPath + ': ' + ($_.ErrorRecord | Select-Object -First 1) }
                $result.Containers | Where-Object Result -EQ 'Failed' | ForEach-Object { 'CONTAINER ' + $_.Item + ': ' + ($_.ErrorRecord | Select-Object -First 1) }
                """);
            var lines = shell.Invoke().Select(o => o.ToString()).ToList();

            var problems = lines.Where(l => l.StartsWith("FAILED", StringComparison.Ordinal) || l.StartsWith("CONTAINER", StringComparison.Ordinal)).ToList();
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
            Assert.Contains("failed 0", lines);
            var passed = int.Parse(lines.Single(l => l.StartsWith("passed ", StringComparison.Ordinal))[7..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(passed >= 55, $"only {passed} Pester tests passed: {string.Join(" | ", lines)}");
        }
        finally
        {
            Environment.SetEnvironmentVariable("BATCHAI_MODULE", null);
        }
    }
}
