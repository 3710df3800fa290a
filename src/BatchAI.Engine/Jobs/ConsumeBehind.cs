using System.Runtime.ExceptionServices;

namespace BatchAI.Jobs;

/// <summary>
/// The mirror of <see cref="Prefetch"/>: an asynchronous source is read on the caller's side while what is read is
/// handed, in chunks, to a consumer on a thread of its own. A download uses it to go on receiving and parsing the
/// provider's answers while earlier ones are checked and written to the ledger: on two cores, a receive of a million
/// results spent its time on the download's one thread while the other core waited for it. Memory stays bounded:
/// the caller waits when it is a few chunks ahead.
/// </summary>
internal static class ConsumeBehind
{
    private const int ChunkSize = 256;
    private const int ChunksAhead = 4;

    /// <summary>
    /// Hands every item of <paramref name="source"/>, in order, to <paramref name="consume"/>, and returns how many
    /// there were once all are consumed. The first failure on either side stops the other and is the one thrown (a
    /// failure of the consumer, not the cancellation it caused in the reading); the consumer has stopped by then.
    /// </summary>
    public static async Task<long> RunAsync<T>(IAsyncEnumerable<T> source, Action<T> consume, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunks = new Handoff<List<T>>(ChunksAhead); // waits without spinning (see Handoff)
        var consumer = Task.Run(
            () =>
            {
                try
                {
                    while (chunks.Take(stop.Token) is { } chunk)
                    {
                        foreach (var item in chunk)
                        {
                            consume(item);
                        }
                    }
                }
                catch
                {
                    stop.Cancel(); // the reading stops too
                    throw;
                }
            },
            CancellationToken.None); // always started, so it always ends

        long count = 0;
        Exception? failure = null;
        try
        {
            var chunk = new List<T>(ChunkSize);
            await foreach (var item in source.WithCancellation(stop.Token).ConfigureAwait(false))
            {
                chunk.Add(item);
                count++;
                if (chunk.Count == ChunkSize)
                {
                    chunks.Add(chunk, stop.Token);
                    chunk = new List<T>(ChunkSize);
                }
            }

            chunks.Add(chunk, stop.Token);
        }
        catch (Exception error)
        {
            failure = error;
            stop.Cancel(); // the consumer stops too
        }
        finally
        {
            chunks.CompleteAdding();
        }

        try
        {
            await consumer.ConfigureAwait(false);
        }
        catch (Exception error) when (failure is null || (failure is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            failure = error; // the consumer failed first: the reading only stopped because of it
        }
        catch (Exception)
        {
            // Stopped because the reading failed (or the caller canceled): that failure is the one to see.
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return count;
    }
}
