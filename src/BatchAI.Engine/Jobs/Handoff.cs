namespace BatchAI.Jobs;

/// <summary>
/// A bounded queue between two threads that waits without spinning. <see cref="System.Collections.Concurrent.BlockingCollection{T}"/>
/// spins (and yields the processor) before every wait; with a reading, a placing and a writing thread on two cores,
/// one of them is nearly always waiting, and a million-row preparation made 28,000 <c>sched_yield</c> calls and
/// spent twice the system time. Items here are large (a chunk of requests, a block of a file), so a wait is long
/// and blocking at once costs nothing.
/// </summary>
internal sealed class Handoff<T>(int capacity)
    where T : class
{
    private readonly Queue<T> _items = new();
    private bool _completed;

    /// <summary>Adds an item, waiting while the queue is full.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled while waiting.</exception>
    /// <exception cref="InvalidOperationException">Adding was completed.</exception>
    public void Add(T item, CancellationToken cancellationToken = default)
    {
        using var wake = Wake(cancellationToken);
        lock (_items)
        {
            while (_items.Count >= capacity && !_completed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(_items);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (_completed)
            {
                throw new InvalidOperationException("No more items are taken.");
            }

            _items.Enqueue(item);
            Monitor.PulseAll(_items);
        }
    }

    /// <summary>Takes the next item, waiting while there is none; null once adding is completed and every item taken.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled while waiting.</exception>
    public T? Take(CancellationToken cancellationToken = default)
    {
        using var wake = Wake(cancellationToken);
        lock (_items)
        {
            while (_items.Count == 0 && !_completed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(_items);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (_items.Count == 0)
            {
                return null;
            }

            var item = _items.Dequeue();
            Monitor.PulseAll(_items);
            return item;
        }
    }

    /// <summary>No more items will be added: takers get what is left, then null; adders are refused.</summary>
    public void CompleteAdding()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }

    private CancellationTokenRegistration Wake(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state =>
            {
                var items = (Queue<T>)state!;
                lock (items)
                {
                    Monitor.PulseAll(items);
                }
            }, _items)
            : default;
}
