using BatchAI.Jobs;

namespace BatchAI.Cli.Infrastructure;

/// <summary>The exit codes scripts rely on (documented in the README).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int InvalidInput = 2;

    /// <summary>Not finished yet, and nothing wrong: <c>wait</c> timed out, or <c>advance</c> found the job still running.</summary>
    public const int NotFinished = 3;

    /// <summary><c>advance</c>: the job is final and its results are written, but some records did not succeed.</summary>
    public const int FinishedWithFailures = 4;

    public static int For(BatchAIException error) => error.Kind == ErrorKind.InvalidInput ? InvalidInput : Failure;

    /// <summary>What a scheduler learns from an advance: 0 finished, 3 not yet (running, or a pilot awaiting release), 4 finished with failures.</summary>
    public static int For(AdvanceOutcome outcome) => AdvanceResult.ExitCodeFor(outcome);
}
