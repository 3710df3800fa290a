using System.Runtime.CompilerServices;
using BatchAI.Jobs;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>An asynchronous source read on one side, consumed behind it on a thread of its own: in order, and the first failure wins.</summary>
public sealed class ConsumeBehindTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EveryItemReachesTheConsumerInOrderAcrossChunks()
    {
        var seen = new List<string>();

        var count = await ConsumeBehind.RunAsync(Items(1_000), seen.Add, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal(1_000, count);
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => "item-" + i), seen);
    }

    [Fact]
    public async Task AConsumerThatFailsIsTheErrorSeenAndTheReadingStops()
    {
        var read = 0;
        var endless = Items(int.MaxValue, onRead: () => Interlocked.Increment(ref read));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ConsumeBehind.RunAsync(endless, item => { if (item == "item-300") throw new InvalidOperationException("the disk is full"); }, CancellationToken.None).WaitAsync(Patience));

        Assert.Equal("the disk is full", error.Message);
        Assert.True(Volatile.Read(ref read) < 300 + (6 * 256), $"the reading went on after the consumer failed ({read} read)");
    }

    [Fact]
    public async Task AReadingThatFailsIsTheErrorSeenAndTheConsumerHasStoppedByThen()
    {
        var consumed = 0;
        var returned = false;
        var consumedAfterReturn = false;

        var error = await Assert.ThrowsAsync<IOException>(() => ConsumeBehind.RunAsync(
            Items(600, failAtEnd: true),
            _ =>
            {
                consumedAfterReturn |= Volatile.Read(ref returned);
                Thread.Sleep(1); // slower than the reading: chunks are waiting when it fails
                consumed++;
            },
            CancellationToken.None).WaitAsync(Patience));
        Volatile.Write(ref returned, true);
        await Task.Delay(200);

        Assert.Equal("the connection was reset", error.Message);
        Assert.False(consumedAfterReturn, "the consumer went on after the failure was thrown");
        Assert.True(consumed <= 600);
    }

    [Fact]
    public async Task CancellingStopsBoth()
    {
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ConsumeBehind.RunAsync(
            Items(int.MaxValue),
            _ =>
            {
                if (++seen == 100)
                {
                    cancel.Cancel();
                }
            },
            cancel.Token).WaitAsync(Patience));
    }

    private static async IAsyncEnumerable<string> Items(int count, Action? onRead = null, bool failAtEnd = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (i % 100 == 0)
            {
                await Task.Yield(); // now and then, as a network read
            }

            onRead?.Invoke();
            yield return "item-" + i;
        }

        if (failAtEnd)
        {
            throw new IOException("the connection was reset");
        }
    }
}
