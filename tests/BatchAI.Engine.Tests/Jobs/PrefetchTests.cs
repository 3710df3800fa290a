using BatchAI.Jobs;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>The join reads the ledger a few chunks ahead on another thread; nothing about what it hands over may change.</summary>
public class PrefetchTests
{
    [Fact]
    public void ItemsComeInTheSourcesOrderAcrossChunks()
    {
        var items = Enumerable.Range(0, 5_000).ToList(); // several chunks and a partial last one

        Assert.Equal(items, Prefetch.Ahead(items, CancellationToken.None));
        Assert.Empty(Prefetch.Ahead(Array.Empty<int>(), CancellationToken.None));
    }

    [Fact]
    public void AFailureOfTheSourceReachesTheCallerAfterEverythingReadBeforeIt()
    {
        static IEnumerable<int> Failing()
        {
            for (var i = 0; i < 1_000; i++)
            {
                yield return i;
            }

            throw new InvalidDataException("line 1001 is corrupt");
        }

        var seen = new List<int>();
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var item in Prefetch.Ahead(Failing(), CancellationToken.None))
            {
                seen.Add(item);
            }
        });

        Assert.Equal("line 1001 is corrupt", error.Message);
        Assert.Equal(Enumerable.Range(0, 1_000), seen);
    }

    [Fact]
    public void StoppingEarlyStopsTheReaderAndReleasesTheSourceBeforeReturning()
    {
        var source = new EndlessSource();

        var first = Prefetch.Ahead(source.Items(), CancellationToken.None).Take(10).ToList();

        Assert.Equal(Enumerable.Range(0, 10), first);
        Assert.True(source.Released); // its files are closed by the time the caller goes on
        Assert.True(source.Produced < 100_000); // it stayed a bounded number of items ahead
    }

    [Fact]
    public async Task ASourceAboutToWaitHandsOverWhatItMadeAndItsWaitEndsWhenTheCallerStops()
    {
        // The join's source waits for a batch to download; the records before it must reach the caller first.
        using var seenThree = new ManualResetEventSlim();
        var waitEnded = new TaskCompletionSource<bool>();
        IEnumerable<int> Source(Action handOver, CancellationToken stop)
        {
            yield return 1;
            yield return 2;
            yield return 3;
            handOver();
            Assert.True(seenThree.Wait(TimeSpan.FromSeconds(20), CancellationToken.None), "the caller never got the first three");
            yield return 4;
            handOver();
            stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(20)); // a wait only the caller's stopping ends (or the time)
            waitEnded.SetResult(stop.IsCancellationRequested);

            yield return 5;
        }

        var seen = new List<int>();
        foreach (var item in Prefetch.Ahead<int>(Source, CancellationToken.None))
        {
            seen.Add(item);
            if (item == 3)
            {
                seenThree.Set();
            }

            if (item == 4)
            {
                break; // the caller stops while the source waits
            }
        }

        Assert.Equal([1, 2, 3, 4], seen);
        Assert.True(waitEnded.Task.IsCompleted, "the caller went on before the source had let go"); // Ahead waits for its reader
        Assert.True(await waitEnded.Task, "the source's wait did not end when the caller stopped");
    }

    [Fact]
    public void CancellingStopsTheCaller()
    {
        using var cancel = new CancellationTokenSource();
        var source = new EndlessSource();

        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var item in Prefetch.Ahead(source.Items(), cancel.Token))
            {
                if (item == 100)
                {
                    cancel.Cancel();
                }
            }
        });
        Assert.True(source.Released);
    }

    private sealed class EndlessSource
    {
        public bool Released { get; private set; }

        public int Produced { get; private set; }

        public IEnumerable<int> Items()
        {
            try
            {
                while (true)
                {
                    yield return Produced++;
                }
            }
            finally
            {
                Released = true;
            }
        }
    }
}
