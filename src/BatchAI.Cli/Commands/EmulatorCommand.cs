using System.CommandLine;
using System.Globalization;
using BatchAI.Cli.Infrastructure;
using BatchAI.Emulator;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai emulator</c>: the providers' batch APIs, emulated, on 127.0.0.1 until stopped.</summary>
internal static class EmulatorCommand
{
    public static Command Create(CliHost host)
    {
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1; 0 picks a free one (printed).", DefaultValueFactory = _ => 8080 };
        var processing = new Option<double?>("--processing-seconds") { Description = $"How long each batch takes (default: {CliHost.ProcessingVariable}, else 3)." };
        var state = new Option<string?>("--state") { Description = "Keep files and batches in this folder across restarts (default: a temporary folder, removed on exit)." };
        var command = new Command("emulator", "Serve the emulated batch APIs of OpenAI (<url>/v1), Anthropic, Gemini and Azure OpenAI (<url>) on 127.0.0.1. Stop with Ctrl+C.") { port, processing, state };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var seconds = parse.GetValue(processing);
            if (seconds is < 0 || parse.GetValue(port) is < 0 or > 65535)
            {
                throw BatchAIException.InvalidInput("EmulatorOptionInvalid", "--port must be 0 to 65535 and --processing-seconds 0 or more.");
            }

            using var emulator = new ProviderEmulator(new EmulatorOptions
            {
                ProcessingTime = host.EmulatorProcessingTime(seconds),
                StateDirectory = parse.GetValue(state),
                Clock = host.EmulatorClock,
            });
            await using var server = await EmulatorServer.StartAsync(emulator, parse.GetValue(port), cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "BatchAI emulator listening on {0} (OpenAI base URL: {1}); batches take {2:0.###} s. State in {3}. Stop with Ctrl+C.", server.Root, server.OpenAIBaseUrl, emulator.Options.ProcessingTime.TotalSeconds, emulator.StateDirectory));
            var root = server.Root.AbsoluteUri.TrimEnd('/');
            context.Out.WriteLine($"  --provider openai       --base-url {server.OpenAIBaseUrl}");
            context.Out.WriteLine($"  --provider anthropic    --base-url {root}");
            context.Out.WriteLine($"  --provider gemini       --base-url {root}");
            context.Out.WriteLine($"  --provider azure-openai --base-url {root}");
            await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: a normal stop.
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
