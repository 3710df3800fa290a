namespace BatchAI.Jobs;

/// <summary>
/// Runs the reading half of a long pass on a thread of its own, a bounded number of items ahead of the caller, so
/// that reading the ledger overlaps with what is done with each item on a machine with more than one core. Items are
/// handed over in chunks, because a hand-over per item costs more than the item. Memory stays bounded: the reader
/// waits when it is a few chunks ahead.
/// </summary>
internal static class Prefetch
{
    private const int ChunkSize = 512;
    private const int ChunksAhead = 4;

    public static IEnumerable<T> Ahead<T>(IEnumerable<T> source, CancellationToken cancellationToken) => Ahead((_, _) => source, cancellationToken);

    /// <summary>
    /// As <see cref="Ahead{T}(IEnumerable{T}, CancellationToken)"/>, for a source that may wait for something else
    /// (a receive's join, for the download of a record's batch). The source is given an action that hands over what it
    /// has made so far, for it to call before it waits, so that the caller is not kept waiting for a chunk to fill;
    /// and a token that is canceled once the caller stops, so that it stops waiting too.
    /// </summary>
    public static IEnumerable<T> Ahead<T>(Func<Action, CancellationToken, IEnumerable<T>> source, CancellationToken cancellationToken)
    {
        var queue = new Handoff<List<T>>(ChunksAhead); // waits without spinning (see Handoff)
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // A thread of its own, not one of the pool's: the source may wait (for a download that needs the pool's threads).
        var reader = Task.Factory.StartNew(
            () =>
            {
                var chunk = new List<T>(ChunkSize);
                void HandOver()
                {
                    if (chunk.Count > 0)
                    {
                        queue.Add(chunk, stop.Token);
                        chunk = new List<T>(ChunkSize);
                    }
                }

                try
                {
                    foreach (var item in source(HandOver, stop.Token))
                    {
                        chunk.Add(item);
                        if (chunk.Count == ChunkSize)
                        {
                            HandOver();
                        }
                    }
                }
                finally
                {
                    // What was read before the end (or before the source failed) is handed over, unless the caller is gone.
                    try
                    {
                        if (chunk.Count > 0)
                        {
                            queue.Add(chunk, stop.Token);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        // The caller stopped: nobody to hand it to.
                    }
                    finally
                    {
                        queue.CompleteAdding();
                    }
                }
            },
            CancellationToken.None, // always started, so the queue is always completed
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            while (queue.Take(cancellationToken) is { } chunk)
            {
                foreach (var item in chunk)
                {
                    yield return item;
                }
            }

            reader.GetAwaiter().GetResult(); // the reader's failure, if it failed
        }
        finally
        {
            // The caller stopped early, failed or finished: stop the reader and wait until it has let go of its files.
            stop.Cancel();
            try
            {
                reader.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Already thrown above when it mattered; otherwise the caller's own exception is the one to see.
            }
        }
    }
}
