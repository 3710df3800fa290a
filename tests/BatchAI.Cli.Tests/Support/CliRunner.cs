using BatchAI.Cli.Infrastructure;
using BatchAI.Engine.Tests.Support;

namespace BatchAI.Cli.Tests.Support;

/// <summary>Runs <c>batchai</c> in-process against its own store, on a virtual clock shared with the emulator.</summary>
internal sealed class CliRunner : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal) { [CliHost.ProcessingVariable] = "30" };

    public VirtualClock Clock { get; } = new();

    public string Store => Path.Combine(_dir.Path, "store");

    public string File(string name) => _dir.File(name);

    public void SetEnvironment(string name, string value) => _environment[name] = value;

    public async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var host = new CliHost
        {
            Out = output,
            Error = error,
            Clock = Clock,
            EmulatorClock = () => Clock.UtcNow,
            Environment = name => _environment.TryGetValue(name, out var value) ? value : null,
        };
        var withStore = args.Contains("--store") ? args : [.. args, "--store", Store];
        var code = await CliApp.RunAsync(withStore, host, CancellationToken.None);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public void Dispose() => _dir.Dispose();
}

internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public string LastLine => Out.TrimEnd().Split('\n')[^1].Trim();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}
