using BatchAI.Emulator;
using BatchAI.Hosting;
using BatchAI.Jobs;

namespace BatchAI.Cli.Infrastructure;

/// <summary>What the CLI needs from its surroundings: its streams, clock and environment. Tests give their own.</summary>
internal sealed class CliHost
{
    public const string ProcessingVariable = EmulatorOptions.ProcessingVariable;

    public TextWriter Out { get; init; } = System.Console.Out;

    public TextWriter Error { get; init; } = System.Console.Error;

    public IClock Clock { get; init; } = SystemClock.Instance;

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The emulator's clock; tests tie it to <see cref="Clock"/>.</summary>
    public Func<DateTimeOffset> EmulatorClock { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>The default host: the console, the real clock, the process environment.</summary>
    public static CliHost Console { get; } = new();

    /// <summary>How long an in-process emulated batch takes: BATCHAI_EMULATOR_PROCESSING_SECONDS, else 3 s.</summary>
    public TimeSpan EmulatorProcessingTime(double? explicitSeconds = null) =>
        explicitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : EmulatorOptions.ProcessingTimeFrom(Environment);

    public JobService CreateService(string? store, double? processingSeconds = null, Providers.Http.HttpCounters? counters = null) => new(new JobServiceOptions
    {
        Store = store,
        Clock = Clock,
        Counters = counters,
        EmulatorFactory = folder => new ProviderEmulator(CreateEmulatorOptions(folder, processingSeconds)),
    });

    /// <summary>An emulator's options from the BATCHAI_EMULATOR_* variables, the given processing time winning.</summary>
    public EmulatorOptions CreateEmulatorOptions(string? stateDirectory, double? processingSeconds)
    {
        var options = EmulatorOptions.FromEnvironment(Environment);
        options.StateDirectory = stateDirectory;
        options.Clock = EmulatorClock;
        options.ProcessingTime = EmulatorProcessingTime(processingSeconds);
        return options;
    }
}
