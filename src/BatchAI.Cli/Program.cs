using BatchAI.Cli;
using BatchAI.Cli.Infrastructure;

return await CliApp.RunAsync(args, CliHost.Console, CancellationToken.None).ConfigureAwait(false);
