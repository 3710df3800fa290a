using BatchAI.Hosting;
using BatchAI.Requests;

namespace BatchAI.Cli.Infrastructure;

/// <summary>
/// Prints what the engine reports to standard error, keeping standard output for results: every record problem and
/// warning, verbose messages with --verbose, and progress no more than every few seconds (none with --quiet).
/// </summary>
internal sealed class ConsoleReporter(TextWriter error, bool verbose, bool quiet, IClock clock) : IEngineReporter
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);
    private readonly object _gate = new();
    private readonly Dictionary<string, (DateTimeOffset At, string Status)> _lastProgress = new(StringComparer.Ordinal);

    public void Verbose(string message)
    {
        if (verbose)
        {
            Write("verbose: " + message);
        }
    }

    public void Warning(string message) => Write("warning: " + message);

    public void Problem(RecordProblem problem) => Write("error: " + problem);

    public void Progress(ProgressReport report)
    {
        if (quiet || report.Completed)
        {
            return;
        }

        lock (_gate)
        {
            var now = clock.UtcNow;
            if (_lastProgress.TryGetValue(report.Activity, out var last) && (now - last.At < ProgressInterval || last.Status == report.Status))
            {
                return;
            }

            _lastProgress[report.Activity] = (now, report.Status);
        }

        Write(report.ToString());
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            error.WriteLine(line);
        }
    }
}
