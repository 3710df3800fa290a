using System.Reflection;
using System.Text.Json;
using BatchAI.ModuleTests.Support;

namespace BatchAI.ModuleTests;

/// <summary>
/// Import-Module in real PowerShell 7: the module exports what its manifest says, and its engine and third-party
/// assemblies load from its Dependencies folder into its private load context, beside another module's copies.
/// </summary>
public sealed class ModuleLoadingTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    [Fact]
    public void TheModuleExportsExactlyTheCmdletsItsManifestLists()
    {
        var exported = _session.Lines("(Get-Command -Module BatchAI).Name | Sort-Object");
        var listed = _session.Lines($"(Import-PowerShellDataFile -Path '{PowerShellSession.Manifest}').CmdletsToExport | Sort-Object");

        Assert.Equal(15, exported.Count);
        Assert.Equal(listed, exported);
    }

    [Fact]
    public void TheEngineAndItsPackagesLoadIntoTheModulesPrivateContext()
    {
        var contexts = _session.Lines($$"""
            $job = [pscustomobject]@{ text = 'x' } | New-BatchRequest -Prompt '{text}' -Model gpt-4o-mini -SchemaPath '{{PowerShellSession.Schema}}' | Submit-AIBatch -Emulator -Confirm:$false | Wait-AIBatch
            $null = $job | Update-AIBatch -OutFile '{{_session.File("out.csv")}}' -Confirm:$false
            function ContextOf($assembly) { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).GetType().Name }
            'cmdlets ' + (ContextOf (Get-Command Get-AIBatch).ImplementingType.Assembly)
            'engine ' + (ContextOf $job.GetType().Assembly)
            [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'Microsoft.Extensions.Http', 'JsonSchema.Net' } | ForEach-Object { $_.GetName().Name + ' ' + $_.GetName().Version.Major + ' ' + (ContextOf $_) }
            """);

        Assert.Contains("cmdlets DefaultAssemblyLoadContext", contexts);
        Assert.Contains("engine PrivateLoadContext", contexts);
        Assert.Contains("Microsoft.Extensions.Http 10 PrivateLoadContext", contexts); // the provider calls went through our copy
        Assert.Contains("JsonSchema.Net 8 PrivateLoadContext", contexts); // and the answers were checked with ours (PowerShell has its own)
    }

    [Fact]
    public void AnotherModulesOlderPackageLoadedFirstDoesNotClash()
    {
        var other = typeof(ModuleLoadingTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OtherExtensionsHttp").Value!;
        Assert.True(File.Exists(other), other);

        var lines = _session.Lines($$"""
            $null = [System.Reflection.Assembly]::LoadFrom('{{other}}')   # what another module's import would do
            $job = Import-Csv -Path '{{PowerShellSession.Tickets}}' | New-BatchRequest -Prompt 'Triage: {subject}' -Model gpt-4o-mini -IdColumn ticket_id | Submit-AIBatch -Emulator -Confirm:$false | Wait-AIBatch
            $step = $job | Update-AIBatch -OutFile '{{_session.File("tickets.csv")}}' -Confirm:$false
            $step.Outcome
            @(Import-Csv -Path '{{_session.File("tickets.csv")}}').Count
            ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Extensions.Http' } | ForEach-Object { $_.GetName().Version.Major } | Sort-Object) -join ','
            """);

        Assert.Equal(["Finished", "18", "8,10"], lines);
    }

    [Fact]
    public void TheModuleFolderShipsTheCmdletsOnTopAndEveryOtherAssemblyOfTheBuildUnderDependencies()
    {
        var top = Directory.GetFiles(PowerShellSession.ModuleFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        var shipped = Directory.GetFiles(Path.Combine(PowerShellSession.ModuleFolder, "Dependencies"), "*.dll").Select(f => Path.GetFileNameWithoutExtension(f)!).ToHashSet(StringComparer.Ordinal);

        // What the cmdlet assembly needs at run time, as the build resolved it (its deps.json), bar what hosts provide.
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(PowerShellSession.ModuleFolder, "..", "..", "BatchAI.Cmdlets.deps.json")));
        var needed = deps.RootElement.GetProperty("targets").GetProperty(deps.RootElement.GetProperty("runtimeTarget").GetProperty("name").GetString()!).EnumerateObject()
            .Where(library => library.Value.TryGetProperty("runtime", out _))
            .SelectMany(library => library.Value.GetProperty("runtime").EnumerateObject().Select(asset => Path.GetFileNameWithoutExtension(asset.Name)))
            .Where(name => name is not ("BatchAI.Cmdlets" or "System.Management.Automation" or "System.Runtime.Loader"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Equal(["BatchAI.Cmdlets.dll", "BatchAI.Format.ps1xml", "BatchAI.psd1"], top.Where(f => !f!.EndsWith(".xml", StringComparison.Ordinal)));
        Assert.Subset(shipped, needed);
        Assert.Contains("BatchAI.Engine", shipped);
        Assert.Contains("CsvHelper", shipped);
        Assert.DoesNotContain("System.Management.Automation", shipped);
    }

    public void Dispose() => _session.Dispose();
}
