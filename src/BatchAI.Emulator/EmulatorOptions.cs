namespace BatchAI.Emulator;

/// <summary>How the emulated providers behave. The defaults make a batch finish a few seconds after it is created.</summary>
public sealed class EmulatorOptions
{
    /// <summary>The environment variable that sets <see cref="ProcessingTime"/> for emulators the front doors start.</summary>
    public const string ProcessingVariable = "BATCHAI_EMULATOR_PROCESSING_SECONDS";

    /// <summary>The processing time <see cref="ProcessingVariable"/> sets, or the 3 s default.</summary>
    public static TimeSpan ProcessingTimeFrom(Func<string, string?> environment)
    {
        if (environment is null)
        {
            throw new ArgumentNullException(nameof(environment));
        }

        return double.TryParse(environment(ProcessingVariable), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(3);
    }

    /// <summary>How long a batch takes from creation to completion: validating, running, finalizing.</summary>
    public TimeSpan ProcessingTime { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The completion window. A batch whose processing would take longer expires at the window's end with partial results.</summary>
    public TimeSpan CompletionWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a Gemini batch may stay pending or running before it expires, with no results (48 hours).</summary>
    public TimeSpan GeminiExpiry { get; set; } = TimeSpan.FromHours(48);

    /// <summary>How long a batch stays <c>cancelling</c> after a cancel request (OpenAI: up to 10 minutes).</summary>
    public TimeSpan CancellationDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where files and batches are kept. Processes that share it share one emulated provider. When null, the emulator
    /// uses a temporary folder of its own and deletes it when disposed.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>The emulator's clock; tests replace it to move time without sleeping.</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>When set, only this API key is accepted (others get the provider's 401); when null, any non-empty key is.</summary>
    public string? RequiredApiKey { get; set; }

    internal long Now() => Clock().ToUnixTimeMilliseconds();

    internal void Validate()
    {
        if (ProcessingTime < TimeSpan.Zero || CompletionWindow <= TimeSpan.Zero || GeminiExpiry <= TimeSpan.Zero || CancellationDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ProcessingTime), "Emulator times cannot be negative, and the completion window must be positive.");
        }
    }
}
