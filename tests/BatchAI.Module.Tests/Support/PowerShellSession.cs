using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace BatchAI.ModuleTests.Support;

/// <summary>
/// A PowerShell 7 runspace in this process with the module imported from its assembled folder, a fresh job store
/// and a temp folder of its own. Each script's output, errors, progress and any terminating error are kept.
/// </summary>
internal sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession()
    {
        Folder = Directory.CreateTempSubdirectory("batchai-module-").FullName;
        Store = Path.Combine(Folder, "store");
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass; // hook scripts; there is no policy elsewhere
        }

        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        var import = Run($"Import-Module -Name '{Manifest}' -ErrorAction Stop; $PSDefaultParameterValues['*-AI*:Store'] = '{Store}'");
        import.ThrowIfFailed();
    }

    public static string ModuleFolder { get; } = Metadata("ModuleFolder");

    public static string Manifest => Path.Combine(ModuleFolder, "BatchAI.psd1");

    public static string Tickets => Repository.Path("src", "BatchAI.Cli", "samples", "tickets.csv");

    /// <summary>The sample tickets' triage schema: answers checked against it load the module's JsonSchema.Net.</summary>
    public static string Schema => Repository.Path("src", "BatchAI.Cli", "samples", "ticket-triage.schema.json");

    /// <summary>This session's temp folder (deleted with it).</summary>
    public string Folder { get; }

    /// <summary>The job store every BatchAI cmdlet of this session uses (through $PSDefaultParameterValues).</summary>
    public string Store { get; }

    public string File(string name) => Path.Combine(Folder, name);

    /// <summary>Runs a script to its end (or its terminating error) and returns what it wrote.</summary>
    public ScriptRun Run(string script, CancellationToken stop = default)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = _runspace;
        shell.AddScript(script);
        using var registration = stop.Register(() => shell.BeginStop(null, null));
        Collection<PSObject> output = [];
        Exception? failure = null;
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException error)
        {
            failure = error;
        }

        return new ScriptRun(output, shell.Streams.Error.ToList(), shell.Streams.Progress.ToList(), shell.Streams.Warning.Select(w => w.Message).ToList(), failure, shell.InvocationStateInfo.State);
    }

    /// <summary>Runs a script and returns its output as strings, failing the test on any error.</summary>
    public IReadOnlyList<string> Lines(string script)
    {
        var run = Run(script);
        run.ThrowIfFailed();
        return run.Output.Select(o => o?.ToString() ?? string.Empty).ToList();
    }

    public void Dispose()
    {
        _runspace.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finished emulator is harmless in a temp folder.
        }
    }

    private static string Metadata(string key) =>
        typeof(PowerShellSession).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

internal sealed record ScriptRun(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<ProgressRecord> Progress,
    IReadOnlyList<string> Warnings,
    Exception? Failure,
    PSInvocationState State)
{
    public void ThrowIfFailed()
    {
        if (Failure is not null || Errors.Count > 0)
        {
            throw new InvalidOperationException("The script failed: " + (Failure?.Message ?? string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e))));
        }
    }
}
