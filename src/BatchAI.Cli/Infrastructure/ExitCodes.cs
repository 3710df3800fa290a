namespace BatchAI.Cli.Infrastructure;

/// <summary>The exit codes scripts rely on (documented in the README).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int InvalidInput = 2;
    public const int WaitTimedOut = 3;

    public static int For(BatchAIException error) => error.Kind == ErrorKind.InvalidInput ? InvalidInput : Failure;
}
