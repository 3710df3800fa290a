using System.Collections.Concurrent;
using BatchAI.Hosting;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Support;

/// <summary>Keeps everything the engine reports, for assertions.</summary>
internal sealed class RecordingReporter : IEngineReporter
{
    public ConcurrentQueue<string> VerboseMessages { get; } = new();

    public ConcurrentQueue<string> Warnings { get; } = new();

    public ConcurrentQueue<ProgressReport> ProgressReports { get; } = new();

    public ConcurrentQueue<RecordProblem> Problems { get; } = new();

    public IEnumerable<string> Everything =>
        VerboseMessages.Concat(Warnings).Concat(ProgressReports.Select(p => p.ToString())).Concat(Problems.Select(p => p.ToString()));

    public void Verbose(string message) => VerboseMessages.Enqueue(message);

    public void Warning(string message) => Warnings.Enqueue(message);

    /// <summary>Called with each progress report as it is made (to act at a given point of a run).</summary>
    public Action<ProgressReport>? OnProgress { get; set; }

    public void Progress(ProgressReport report)
    {
        ProgressReports.Enqueue(report);
        OnProgress?.Invoke(report);
    }

    public void Problem(RecordProblem problem) => Problems.Enqueue(problem);
}
