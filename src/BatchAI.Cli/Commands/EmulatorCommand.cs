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
        var faultRate = new Option<double?>("--fault-rate") { Description = "Share of API calls (0 to 1) answered 429 with Retry-After, 500, 503 (Anthropic 529), or a dropped connection." };
        var errorRate = new Option<double?>("--error-rate") { Description = "Share of requests (0 to 1) inside a batch that end errored: three in four retryable, one in four permanently invalid." };
        var expireRate = new Option<double?>("--expire-rate") { Description = "Share of requests (0 to 1) still unprocessed when a batch expires (Gemini: share of whole batches expired, which return nothing)." };
        var requiredKey = new Option<string?>("--require-key") { Description = "Accept only this API key (others get the provider's own 401); by default any non-empty key is accepted." };
        var rpm = new Option<int?>("--requests-per-minute") { Description = "Rate limit of the synchronous endpoints (chat completions, messages, generateContent): calls over it get 429 with Retry-After." };
        var seed = new Option<int?>("--seed") { Description = "Seed for the faults: a fresh emulator meets the same calls with the same faults every run." };
        var queuedTokens = new Option<long?>("--queued-token-limit") { Description = "The account's enqueued-token limit for OpenAI and Azure OpenAI batches: a batch that would pass it, with those still running, fails with token_limit_exceeded." };
        var command = new Command("emulator", "Serve the emulated batch APIs of OpenAI (<url>/v1), Anthropic, Gemini and Azure OpenAI (<url>) on 127.0.0.1. Stop with Ctrl+C.") { port, processing, state, faultRate, errorRate, expireRate, seed, requiredKey, rpm, queuedTokens };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var seconds = parse.GetValue(processing);
            if (seconds is < 0 || parse.GetValue(port) is < 0 or > 65535)
            {
                throw BatchAIException.InvalidInput("EmulatorOptionInvalid", "--port must be 0 to 65535 and --processing-seconds 0 or more.");
            }

            var options = host.CreateEmulatorOptions(parse.GetValue(state), seconds);
            options.FaultRate = parse.GetValue(faultRate) ?? options.FaultRate;
            options.ErrorRate = parse.GetValue(errorRate) ?? options.ErrorRate;
            options.ExpireRate = parse.GetValue(expireRate) ?? options.ExpireRate;
            options.Seed = parse.GetValue(seed) ?? options.Seed;
            options.RequiredApiKey = parse.GetValue(requiredKey);
            options.RequestsPerMinute = parse.GetValue(rpm) ?? options.RequestsPerMinute;
            options.QueuedTokenLimit = parse.GetValue(queuedTokens) ?? options.QueuedTokenLimit;
            if (options.RequestsPerMinute is < 1 || options.QueuedTokenLimit is < 1)
            {
                throw BatchAIException.InvalidInput("EmulatorOptionInvalid", "--requests-per-minute and --queued-token-limit must be 1 or more.");
            }
            if (new[] { options.FaultRate, options.ErrorRate, options.ExpireRate }.Any(rate => !(rate >= 0 && rate <= 1)))
            {
                throw BatchAIException.InvalidInput("EmulatorOptionInvalid", "--fault-rate, --error-rate and --expire-rate must be from 0 to 1.");
            }

            using var emulator = new ProviderEmulator(options);
            await using var server = await EmulatorServer.StartAsync(emulator, parse.GetValue(port), cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "BatchAI emulator listening on {0} (OpenAI base URL: {1}); batches take {2:0.###} s. State in {3}. Stop with Ctrl+C.", server.Root, server.OpenAIBaseUrl, emulator.Options.ProcessingTime.TotalSeconds, emulator.StateDirectory));
            if (options.FaultRate > 0 || options.ErrorRate > 0 || options.ExpireRate > 0)
            {
                context.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "  Injecting faults: {0:0.###} of calls, {1:0.###} of requests errored, {2:0.###} unprocessed at expiry; seed {3}.", options.FaultRate, options.ErrorRate, options.ExpireRate, options.Seed?.ToString(CultureInfo.InvariantCulture) ?? "random"));
            }

            var root = server.Root.AbsoluteUri.TrimEnd('/');
            context.Out.WriteLine($"  --provider openai       --base-url {server.OpenAIBaseUrl}");
            context.Out.WriteLine($"  --provider anthropic    --base-url {root}");
            context.Out.WriteLine($"  --provider gemini       --base-url {root}");
            context.Out.WriteLine($"  --provider azure-openai --base-url {root}");
            await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, server.Stopping);
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
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
