using System.Reflection;
using BatchAI.Infrastructure;

namespace BatchAI.Cmdlets.Tests;

/// <summary>
/// The rules of the module's dependency loading, which both fronts share: the private load context on PowerShell 7
/// (exercised for real in BatchAI.Module.Tests) and the resolver on Windows PowerShell 5.1 (which only Windows runs).
/// </summary>
public sealed class DependencyRuleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("batchai-deps-").FullName;

    [Theory]
    [InlineData("BatchAI.Engine", true)]
    [InlineData("BatchAI.Emulator", true)]
    [InlineData("CsvHelper", false)]
    [InlineData("BatchAIx", false)]
    [InlineData("System.Text.Json", false)]
    public void OnlyTheModulesOwnAssembliesAnswerLookupsThatFailedInPowerShellsContext(string name, bool answered) =>
        Assert.Equal(answered, DependencyRules.IsModuleAssembly(new AssemblyName(name)));

    [Theory]
    [InlineData("10.0.0.0", "10.0.0.0", true)]   // PowerShell 7.6 on .NET 10: the runtime's System.Text.Json serves
    [InlineData("10.0.0.0", "8.0.0.0", false)]   // PowerShell 7.4 on .NET 8: ours loads privately
    [InlineData("4.0.2.0", "10.0.0.0", true)]    // System.Memory: always the runtime's, never a second Span
    [InlineData("10.0.0.0", null, false)]        // not a runtime assembly at all
    public void TheRuntimesCopyServesWhenItIsAtLeastTheVersionAskedFor(string requested, string? runtime, bool serves) =>
        Assert.Equal(serves, DependencyRules.RuntimeServes(new AssemblyName("X") { Version = new Version(requested) }, runtime is null ? null : new Version(runtime)));

    [Theory]
    [InlineData("34.0.0.0", "34.0.0.0", true)]
    [InlineData("33.0.0.0", "34.0.0.0", true)]
    [InlineData("35.0.0.0", "34.0.0.0", false)]
    public void OnWindowsPowerShellOurCopyAnswersOnlyForItsVersionOrOlder(string requested, string shipped, bool serves) =>
        Assert.Equal(serves, DependencyRules.ShippedServes(new AssemblyName("CsvHelper") { Version = new Version(requested) }, new Version(shipped)));

    [Fact]
    public void OnlyAssembliesThatAreInTheFolderAreShippedAndNamesCannotLeaveIt()
    {
        File.WriteAllText(Path.Combine(_folder, "CsvHelper.dll"), string.Empty);

        Assert.Equal(Path.Combine(_folder, "CsvHelper.dll"), DependencyRules.Shipped(_folder, new AssemblyName("CsvHelper")));
        Assert.Null(DependencyRules.Shipped(_folder, new AssemblyName("Polly")));
        Assert.Null(DependencyRules.Shipped(_folder, new AssemblyName { Name = "../CsvHelper" }));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
