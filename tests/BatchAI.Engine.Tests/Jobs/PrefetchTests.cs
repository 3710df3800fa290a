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
