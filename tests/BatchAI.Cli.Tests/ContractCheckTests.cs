using System.Diagnostics;
using BatchAI.Cli.Tests.Support;

namespace BatchAI.Cli.Tests;

/// <summary>
/// Judges from outside .NET, in tests/contract: the official OpenAI npm client driving <c>batchai emulator</c> on
/// 127.0.0.1 (with OpenAI's OpenAPI schemas and ajv checking every answer), and a real PowerShell grammar parsing every
/// script of the repository. They need Node.js 20 and <c>npm ci --prefix tests/contract</c>, which ./test.sh runs.
/// </summary>
public class ContractCheckTests
{
    private static readonly string Contract = Path.Combine(RepositoryRoot(), "tests", "contract");

    [Fact]
    public async Task TheOfficialOpenAINpmClientWorksAgainstTheEmulatorOnLoopback()
    {
        using var emulator = await BatchaiProcess.StartEmulatorAsync(processingSeconds: 0.5);

        var (exit, output) = await NodeAsync("check-openai.mjs", emulator.BaseUrl);

        Assert.True(exit == 0, output);
        Assert.Contains("checks passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPowerShellFileParses()
    {
        var (exit, output) = await NodeAsync("check-powershell-syntax.mjs", RepositoryRoot());

        Assert.True(exit == 0, output);
        Assert.Contains(" 0 syntax error(s)", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> NodeAsync(string script, string argument)
    {
        Assert.True(Directory.Exists(Path.Combine(Contract, "node_modules")), $"The contract checks' packages are not installed: run 'npm ci --prefix tests/contract' (./test.sh does).");
        var info = new ProcessStartInfo("node") { WorkingDirectory = Contract, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Node.js 20+ is needed for the contract checks.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BatchAI.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BatchAI.sln not found above " + AppContext.BaseDirectory);
    }
}
