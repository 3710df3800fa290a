using BatchAI.Requests;

namespace BatchAI.Hosting;

/// <summary>
/// How the engine talks back to whoever runs it: the cmdlets turn these into WriteVerbose, WriteWarning,
/// WriteProgress and WriteError on the pipeline thread; the CLI prints them. Implementations must be thread-safe:
/// the engine may report from any thread. Messages never contain an API key.
/// </summary>
public interface IEngineReporter
{
    void Verbose(string message);

    void Warning(string message);

    void Progress(ProgressReport report);

    /// <summary>A record that could not be used; the operation goes on or stops as the caller decided.</summary>
    void Problem(RecordProblem problem);
}

/// <summary>A reporter that drops everything.</summary>
public sealed class NullReporter : IEngineReporter
{
    public static readonly NullReporter Instance = new();

    public void Verbose(string message)
    {
    }

    public void Warning(string message)
    {
    }

    public void Progress(ProgressReport report)
    {
    }

    public void Problem(RecordProblem problem)
    {
    }
}

/// <summary>One progress update. <see cref="Completed"/> closes the activity (the progress bar is removed).</summary>
public sealed class ProgressReport(string activity, string status, int percentComplete, bool completed = false)
{
    public string Activity { get; } = activity;

    public string Status { get; } = status;

    /// <summary>0 to 100, or -1 when unknown.</summary>
    public int PercentComplete { get; } = percentComplete;

    public bool Completed { get; } = completed;

    public override string ToString() => PercentComplete >= 0 ? $"{Activity}: {Status} ({PercentComplete}%)" : $"{Activity}: {Status}";
}

/// <summary>
/// Passes on everything but progress: for work that runs beside another on the same activity (a receive's download
/// beside its join), where two sources of progress would make one bar jump back and forth.
/// </summary>
internal sealed class WithoutProgress(IEngineReporter inner) : IEngineReporter
{
    public void Verbose(string message) => inner.Verbose(message);

    public void Warning(string message) => inner.Warning(message);

    public void Progress(ProgressReport report)
    {
    }

    public void Problem(RecordProblem problem) => inner.Problem(problem);
}
