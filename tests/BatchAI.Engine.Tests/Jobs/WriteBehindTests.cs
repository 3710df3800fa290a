using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>The writer thread the prepared files go through: what is handed over arrives whole, and a failure reaches the caller.</summary>
public sealed class WriteBehindTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void BytesHandedOverInPiecesOfEverySizeArriveWholeAndInOrderOnceDrained()
    {
        var random = new Random(3);
        var expected = new[] { new MemoryStream(), new MemoryStream() };
        using var writes = new WriteBehind();
        var streams = new[] { writes.Open(File.Create(_dir.File("a"))), writes.Open(File.Create(_dir.File("b"))) };

        // 3.5 blocks' worth, interleaved between two files, in pieces from 1 byte to more than a block.
        var total = 0;
        while (total < WriteBehind.BlockSize * 7 / 2)
        {
            var which = random.Next(2);
            var piece = new byte[random.Next(10) == 0 ? WriteBehind.BlockSize + random.Next(1000) : random.Next(1, 5000)];
            random.NextBytes(piece);
            streams[which].Write(piece, 0, piece.Length);
            expected[which].Write(piece, 0, piece.Length);
            total += piece.Length;
        }

        foreach (var stream in streams)
        {
            stream.Dispose();
        }

        writes.Drain();

        Assert.Equal(expected[0].ToArray(), File.ReadAllBytes(_dir.File("a")));
        Assert.Equal(expected[1].ToArray(), File.ReadAllBytes(_dir.File("b")));
    }

    [Fact]
    public async Task AFailedWriteIsThrownToTheCallerWhoIsNeverLeftWaiting()
    {
        File.WriteAllText(_dir.File("read-only"), "x");
        using var writes = new WriteBehind();

        // A stream that cannot be written: the writer thread fails on the first block.
        var stream = writes.Open(new FileStream(_dir.File("read-only"), FileMode.Open, FileAccess.Read));
        var block = new byte[WriteBehind.BlockSize];
        var write = Task.Run(() =>
        {
            // Far more blocks than the queue holds: had the writer stopped taking them, this would hang.
            for (var i = 0; i < 4 * WriteBehind.QueuedBlocks; i++)
            {
                stream.Write(block, 0, block.Length);
            }
        });

        var finished = await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == write, "the caller was left waiting on a failed writer");
        await Assert.ThrowsAsync<NotSupportedException>(() => write);
        Assert.Throws<NotSupportedException>(writes.Drain);
        stream.Dispose(); // closing after a failure does not throw again
    }

    [Fact]
    public void AfterTheWriterIsDisposedStreamsLetGoOfTheirFilesWithoutWritingOrThrowing()
    {
        var writes = new WriteBehind();
        var path = _dir.File("discarded");
        var stream = writes.Open(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None));
        stream.Write([1, 2, 3], 0, 3);

        writes.Dispose();
        stream.Write([4], 0, 1);
        stream.Dispose();

        using var reopened = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None); // the handle was released
        Assert.Equal(0, reopened.Length);
    }
}
