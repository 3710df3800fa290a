using System.CommandLine;
using BatchAI.Cli.Commands;
using BatchAI.Cli.Infrastructure;

namespace BatchAI.Cli;

/// <summary>The <c>batchai</c> command line: the module's verbs for cron, CI and machines without PowerShell.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliHost host)
    {
        var root = new RootCommand("BatchAI: send AI work that nobody is waiting on through the providers' Batch APIs, at half the price.")
        {
            SubmitCommand.Create(host),
            StatusCommands.Status(host),
            StatusCommands.List(host),
            StatusCommands.Records(host),
            WaitCommand.Create(host),
            ReceiveCommand.Create(host),
            AdvanceCommand.Create(host),
            StatusCommands.Cancel(host),
            RecoveryCommands.Resubmit(host),
            RecoveryCommands.Resume(host),
            RecoveryCommands.Release(host),
            RecoveryCommands.Fallback(host),
            RunCommand.Create(host),
            SideBySideCommand.Create(host),
            UrgencyCommand.Create(host),
            CostCommands.Compare(host),
            CostCommands.Prices(host),
            CostCommands.Report(host),
            CostCommands.Config(host),
            EmulatorCommand.Create(host),
            DemoCommand.Create(host),
        };
        root.Options.Add(CommonOptions.Store);
        root.Options.Add(CommonOptions.ApiKey);
        root.Options.Add(CommonOptions.Verbose);
        root.Options.Add(CommonOptions.Quiet);
        return root;
    }

    /// <summary>Parses and runs a command line. Bad usage exits 2, with the parser's messages on standard error.</summary>
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken)
    {
        var parse = Build(host).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await host.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await host.Error.WriteLineAsync("Run 'batchai --help' or 'batchai <command> --help' for usage.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var configuration = new InvocationConfiguration { Output = host.Out, Error = host.Error };
        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
