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

    /// <summary>The environment variables that set <see cref="FaultRate"/>, <see cref="ErrorRate"/>, <see cref="ExpireRate"/> and <see cref="Seed"/>.</summary>
    public const string FaultRateVariable = "BATCHAI_EMULATOR_FAULT_RATE";
    public const string ErrorRateVariable = "BATCHAI_EMULATOR_ERROR_RATE";
    public const string ExpireRateVariable = "BATCHAI_EMULATOR_EXPIRE_RATE";
    public const string SeedVariable = "BATCHAI_EMULATOR_SEED";

    /// <summary>The environment variable that sets <see cref="RequiredApiKey"/> for emulators the front doors start.</summary>
    public const string RequireKeyVariable = "BATCHAI_EMULATOR_REQUIRE_KEY";

    /// <summary>The environment variable that sets <see cref="RequestsPerMinute"/> for emulators the front doors start.</summary>
    public const string RequestsPerMinuteVariable = "BATCHAI_EMULATOR_REQUESTS_PER_MINUTE";

    /// <summary>
    /// Options for an emulator a front door starts in process (<c>-Emulator</c>, <c>--emulator</c>): its processing
    /// time and injected faults from the BATCHAI_EMULATOR_* variables. A variable that is set but not a number in range
    /// is an error, not silently ignored.
    /// </summary>
    public static EmulatorOptions FromEnvironment(Func<string, string?> environment)
    {
        if (environment is null)
        {
            throw new ArgumentNullException(nameof(environment));
        }

        double Rate(string name)
        {
            var text = environment(name);
            if (string.IsNullOrWhiteSpace(text))
            {
                return 0;
            }

            return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rate) && rate >= 0 && rate <= 1
                ? rate
                : throw new ArgumentException($"{name} must be a number from 0 to 1, not '{text}'.");
        }

        var seedText = environment(SeedVariable);
        int? seed = null;
        if (!string.IsNullOrWhiteSpace(seedText))
        {
            seed = int.TryParse(seedText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new ArgumentException($"{SeedVariable} must be a whole number, not '{seedText}'.");
        }

        return new EmulatorOptions
        {
            ProcessingTime = ProcessingTimeFrom(environment),
            FaultRate = Rate(FaultRateVariable),
            ErrorRate = Rate(ErrorRateVariable),
            ExpireRate = Rate(ExpireRateVariable),
            Seed = seed,
            RequiredApiKey = string.IsNullOrEmpty(environment(RequireKeyVariable)) ? null : environment(RequireKeyVariable),
            RequestsPerMinute = string.IsNullOrWhiteSpace(environment(RequestsPerMinuteVariable)) ? null
                : int.TryParse(environment(RequestsPerMinuteVariable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rpm) && rpm > 0 ? rpm
                : throw new ArgumentException($"{RequestsPerMinuteVariable} must be a whole number of 1 or more, not '{environment(RequestsPerMinuteVariable)}'."),
        };
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

    /// <summary>The share of API calls (0 to 1) answered with a fault instead: 429 with Retry-After, 500, 503, or a dropped connection.</summary>
    public double FaultRate { get; set; }

    /// <summary>The share of requests (0 to 1) inside a batch that end errored: three in four retryable, one in four permanently invalid.</summary>
    public double ErrorRate { get; set; }

    /// <summary>
    /// The share of requests (0 to 1) still unprocessed when a batch expires, so it ends expired with partial results.
    /// The emulator does not wait out the 24-hour window: such a batch expires when its processing time is up. Gemini,
    /// whose expired batches return nothing, expires this share of whole batches instead.
    /// </summary>
    public double ExpireRate { get; set; }

    /// <summary>
    /// The synchronous endpoints' rate limit (chat completions, messages, generateContent): at most this many calls in
    /// any minute, the rest answered 429 with Retry-After, as providers do; none when null.
    /// </summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>
    /// The account's enqueued-token limit (OpenAI and Azure OpenAI batches): a batch whose prompt tokens, with those of
    /// the batches still running, would pass it fails at validation with <c>token_limit_exceeded</c>; none when null.
    /// </summary>
    public long? QueuedTokenLimit { get; set; }

    /// <summary>Seeds the faults, so a fresh emulator meets the same calls with the same faults every run; random when null.</summary>
    public int? Seed { get; set; }

    internal long Now() => Clock().ToUnixTimeMilliseconds();

    internal void Validate()
    {
        if (ProcessingTime < TimeSpan.Zero || CompletionWindow <= TimeSpan.Zero || GeminiExpiry <= TimeSpan.Zero || CancellationDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ProcessingTime), "Emulator times cannot be negative, and the completion window must be positive.");
        }

        if (QueuedTokenLimit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(QueuedTokenLimit), "An enqueued-token limit must allow at least one token.");
        }

        if (RequestsPerMinute is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestsPerMinute), "A rate limit must allow at least one request a minute.");
        }

        foreach (var (name, rate) in new[] { ("fault rate", FaultRate), ("error rate", ErrorRate), ("expire rate", ExpireRate) })
        {
            if (!(rate >= 0 && rate <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(FaultRate), $"The {name} must be between 0 and 1, not {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }
        }
    }
}
