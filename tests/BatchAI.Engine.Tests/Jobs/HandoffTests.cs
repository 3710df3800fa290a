using BatchAI.Jobs;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>The queue between the preparing threads: bounded, ended by its adder, and never leaving a waiter stuck on a canceled token.</summary>
public sealed class HandoffTests
{
    [Fact]
    public async Task ItemsComeOutInOrderAndTakeReturnsNullOnceAddingIsCompleteAndTheQueueEmpty()
    {
        var queue = new Handoff<string>(2);
        var taker = Task.Run(() =>
        {
            var items = new List<string>();
            while (queue.Take() is { } item)
            {
                items.Add(item);
            }

            return items;
        });

        for (var i = 0; i < 100; i++)
        {
            queue.Add("item " + i); // waits whenever two are queued
        }

        queue.CompleteAdding();

        Assert.Equal(Enumerable.Range(0, 100).Select(i => "item " + i), await taker);
        Assert.Throws<InvalidOperationException>(() => queue.Add("late"));
    }

    [Fact]
    public async Task AnAdderWaitingOnAFullQueueAndATakerWaitingOnAnEmptyOneAreWokenByCancellation()
    {
        using var cancel = new CancellationTokenSource();
        var full = new Handoff<string>(1);
        full.Add("only");
        var empty = new Handoff<string>(1);

        var adding = Task.Run(() => full.Add("one too many", cancel.Token));
        var taking = Task.Run(() => empty.Take(cancel.Token));
        await Task.Delay(100);
        Assert.False(adding.IsCompleted || taking.IsCompleted, "neither may return before the cancellation");

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => adding);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => taking);
        Assert.Equal("only", full.Take());
    }
}
