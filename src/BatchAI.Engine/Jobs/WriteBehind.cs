using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace BatchAI.Jobs;

/// <summary>
/// Writes files on a thread of its own while the caller goes on preparing what comes next (the files a submit
/// prepares, and a receive's results file: <see cref="ResultFileWriter"/>). Preparing a million
/// requests writes about 600 MB (the request file, the batch files, their id lists) and makes each durable; on the
/// preparing thread those system calls and the waits for the disk took about 0.2 s of 3.6. Callers fill 256 KB
/// blocks (<see cref="Open"/> returns a stream that does) and hand each over when it is full; the blocks come back to
/// a pool once written, so memory stays at a block per open file plus the few queued. (1 MB blocks doubled the
/// system time: a block that large has left the processor's caches by the time the kernel copies it.)
/// <para>
/// A write that fails (a full disk, a file taken away) is thrown to the caller at its next write, close or
/// <see cref="Drain"/>, and everything queued after it is dropped: the caller never waits on a writer that has
/// stopped. <see cref="Drain"/> returns once everything handed over is written and every closed file is on disk.
/// </para>
/// </summary>
internal sealed class WriteBehind : IDisposable
{
    internal const int BlockSize = 1 << 18;

    // Enough to keep the caller going while the writer waits for the disk at each sync (15 ms or so, in which a
    // prepare makes about 5 MB of lines: with 4 MB queued, a prepare of a million records stood half a second in
    // all), few enough to keep memory flat (16 MB at most, taken only when the writer falls behind).
    internal const int QueuedBlocks = 64;

    private const long SyncEvery = 32L << 20;

    private readonly Handoff<Work> _queue = new(QueuedBlocks);
    private readonly ConcurrentBag<byte[]> _free = [];
    private readonly Thread _writer;
    private volatile Exception? _failure;
    private bool _disposed;

    public WriteBehind()
    {
        _writer = new Thread(WriteAll) { IsBackground = true, Name = "BatchAI file writer" };
        _writer.Start();
    }

    /// <summary>A stream whose bytes this writer writes to <paramref name="file"/>; it owns the file from now on.</summary>
    public Stream Open(FileStream file) => new BlockStream(this, file ?? throw new ArgumentNullException(nameof(file)));

    /// <summary>Waits until every block handed over is written and every closed file is durable; throws a write's failure.</summary>
    public void Drain()
    {
        using var done = new ManualResetEventSlim();
        Enqueue(new Work(null, null, 0, closeFile: false, done));
        done.Wait();
        ThrowIfFailed();
    }

    /// <summary>Stops the writer after what is queued. The streams then drop what they are given and let go of their files when closed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _queue.CompleteAdding();
        _writer.Join();
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    // Failures are thrown by Write and Drain, never by a flush or close (which run inside Dispose).
    private void Enqueue(Work work) => _queue.Add(work);

    private byte[] RentBlock() => _free.TryTake(out var block) ? block : new byte[BlockSize];

    private void WriteAll()
    {
        while (_queue.Take() is { } work)
        {
            if (_failure is null)
            {
                try
                {
                    work.Run();
                }
                catch (Exception error)
                {
                    _failure = error;
                }
            }

            if (_failure is not null && work.File is { } file)
            {
                file.Dispose(); // a failed writer still lets go of every file it was given
            }

            if (work.Block is { } block)
            {
                _free.Add(block);
            }

            work.Done?.Set();
        }
    }

    /// <summary>A block to write to a file, then perhaps the file to make durable and close; with neither, a marker that the queue is drained.</summary>
    private sealed class Work(FileStream? file, byte[]? block, int count, bool closeFile, ManualResetEventSlim? done = null)
    {
        /// <summary>The file this work closes, if it closes one.</summary>
        public FileStream? File => closeFile ? file : null;

        public byte[]? Block => block;

        public ManualResetEventSlim? Done => done;

        public void Run()
        {
            if (file is null)
            {
                return;
            }

            if (count > 0)
            {
                file.Write(block!, 0, count);

                // A large file is made durable as it grows, while the caller works: left to the close, the request
                // file of a million records (360 MB) kept the caller waiting 0.2 s for the disk at the end.
                if (!closeFile && file.Position / SyncEvery != (file.Position - count) / SyncEvery)
                {
                    file.Flush(flushToDisk: true);
                }
            }

            if (closeFile)
            {
                file.Flush(flushToDisk: true);
                file.Dispose();
            }
        }
    }

    /// <summary>Gathers writes into blocks and hands each full block to the writer.</summary>
    private sealed class BlockStream(WriteBehind owner, FileStream file) : Stream
    {
        private byte[]? _block;
        private int _used;
        private bool _closed;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_closed;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_closed)
            {
                throw new ObjectDisposedException(nameof(WriteBehind));
            }

            owner.ThrowIfFailed();
            while (count > 0)
            {
                _block ??= owner.RentBlock();
                var take = Math.Min(count, _block.Length - _used);
                Buffer.BlockCopy(buffer, offset, _block, _used, take);
                _used += take;
                offset += take;
                count -= take;
                if (_used == _block.Length)
                {
                    HandOver(closeFile: false);
                }
            }
        }

        public override void WriteByte(byte value) => Write([value], 0, 1);

        /// <summary>Hands over what is gathered so far (written soon, not waited for).</summary>
        public override void Flush()
        {
            if (!_closed && _used > 0)
            {
                HandOver(closeFile: false);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>Hands over the rest and asks for the file to be made durable and closed (see <see cref="Drain"/>).</summary>
        public override void Close()
        {
            if (!_closed)
            {
                _closed = true;
                HandOver(closeFile: true);
            }

            base.Close();
        }

        private void HandOver(bool closeFile)
        {
            var block = _block;
            var used = _used;
            _block = null;
            _used = 0;
            if (owner._disposed || owner._failure is not null)
            {
                // Nothing more will be written (the draft was discarded, or a write failed and Drain or the next
                // Write says so): let go of the file here, and never throw from a flush or a close.
                if (closeFile)
                {
                    file.Dispose();
                }

                return;
            }

            owner.Enqueue(new Work(file, block, used, closeFile));
        }
    }
}
