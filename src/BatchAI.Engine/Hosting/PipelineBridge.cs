using System.Collections.Concurrent;
using BatchAI.Requests;

namespace BatchAI.Hosting;

/// <summary>What engine work sent back, to be handled on the caller's thread.</summary>
public enum BridgeMessageKind
{
    Output,
    Verbose,
    Warning,
    Progress,
    Problem,
}

public sealed class BridgeMessage(BridgeMessageKind kind, object payload)
{
    public BridgeMessageKind Kind { get; } = kind;

    /// <summary>The output object, message text, <see cref="ProgressReport"/> or <see cref="RecordProblem"/>.</summary>
    public object Payload { get; } = payload;
}

/// <summary>
/// Runs engine work on the thread pool while the calling thread handles everything the work reports, in order, as it
/// arrives. PowerShell allows WriteObject, WriteVerbose, WriteProgress and WriteError only on the pipeline thread; the
/// cmdlets run every engine call through this.
/// </summary>
public sealed class PipelineBridge : IEngineReporter, IDisposable
{
    private readonly BlockingCollection<BridgeMessage> _messages = new();

    /// <summary>Queues an object for the caller to write (a result, as the engine streams it).</summary>
    public void Output(object item) => Post(BridgeMessageKind.Output, item ?? throw new ArgumentNullException(nameof(item)));

    public void Verbose(string message) => Post(BridgeMessageKind.Verbose, message);

    public void Warning(string message) => Post(BridgeMessageKind.Warning, message);

    public void Progress(ProgressReport report) => Post(BridgeMessageKind.Progress, report);

    public void Problem(RecordProblem problem) => Post(BridgeMessageKind.Problem, problem);

    /// <summary>
    /// Starts <paramref name="work"/> on the thread pool and, on this thread, hands each message to
    /// <paramref name="handle"/> until the work ends; then returns its result or rethrows its exception.
    /// </summary>
    public T Run<T>(Func<PipelineBridge, Task<T>> work, Action<BridgeMessage> handle)
    {
        if (work is null || handle is null)
        {
            throw new ArgumentNullException(work is null ? nameof(work) : nameof(handle));
        }

        var task = Task.Run(async () =>
        {
            try
            {
                return await work(this).ConfigureAwait(false);
            }
            finally
            {
                _messages.CompleteAdding();
            }
        });
        foreach (var message in _messages.GetConsumingEnumerable())
        {
            handle(message);
        }

        return task.GetAwaiter().GetResult();
    }

    public void Dispose() => _messages.Dispose();

    private void Post(BridgeMessageKind kind, object payload)
    {
        if (!_messages.IsAddingCompleted)
        {
            _messages.Add(new BridgeMessage(kind, payload));
        }
    }
}
