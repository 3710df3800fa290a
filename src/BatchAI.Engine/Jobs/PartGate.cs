namespace BatchAI.Jobs;

/// <summary>
/// Which parts of a job have their results in the ledger yet, where in the results file each of their records'
/// line starts and which answers the download kept in memory (see <see cref="DownloadedPart"/>), for a receive that joins records to results while the download of later parts goes on. The join
/// waits at a record whose part is still downloading; the download opens each part once its lines are committed,
/// and closes the gate when it ends, whether it finished or failed.
/// </summary>
internal sealed class PartGate
{
    private readonly Dictionary<int, DownloadedPart> _open = [];
    private bool _closed;
    private bool _failed;

    /// <summary>The part's results are all in the ledger, as <paramref name="downloaded"/> finds them; the gate owns it from now on.</summary>
    public void Open(int part, DownloadedPart downloaded)
    {
        lock (_open)
        {
            _open[part] = downloaded;
            Monitor.PulseAll(_open);
        }
    }

    /// <summary>The part as downloaded, when it is open.</summary>
    public bool TryGetOpen(int part, out DownloadedPart downloaded)
    {
        lock (_open)
        {
            return _open.TryGetValue(part, out downloaded!);
        }
    }

    /// <summary>No part opens after this; <paramref name="failed"/> when the download did not finish.</summary>
    public void Close(bool failed)
    {
        lock (_open)
        {
            _closed = true;
            _failed = failed;
            Monitor.PulseAll(_open);
        }
    }

    /// <summary>
    /// Waits until <paramref name="part"/> is open and returns it. A part the download finished without opening has no
    /// results: the caller gets <see cref="DownloadedPart.None"/>, and goes on.
    /// </summary>
    /// <exception cref="DownloadStoppedException">The download failed or was stopped before the part was in.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled while waiting.</exception>
    public DownloadedPart WaitFor(int part, CancellationToken cancellationToken)
    {
        using var wake = cancellationToken.CanBeCanceled ? cancellationToken.Register(static state => Pulse((Dictionary<int, DownloadedPart>)state!), _open) : default;
        lock (_open)
        {
            DownloadedPart? downloaded;
            while (!_open.TryGetValue(part, out downloaded))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_closed)
                {
                    if (_failed)
                    {
                        throw new DownloadStoppedException();
                    }

                    return DownloadedPart.None;
                }

                Monitor.Wait(_open);
            }

            return downloaded;
        }
    }

    private static void Pulse(Dictionary<int, DownloadedPart> open)
    {
        lock (open)
        {
            Monitor.PulseAll(open);
        }
    }
}

/// <summary>
/// A part whose results are all in the ledger, as a join finds them: where each record's line starts in the results
/// file, by the record's line in the part's id list (-1 when it has none; see <see cref="PartRoster.LineStarts"/>),
/// and the answers the download kept in memory, if it kept any.
/// </summary>
internal sealed class DownloadedPart(long[] lineStarts, KeptAnswers? answers)
{
    /// <summary>A part without results.</summary>
    public static DownloadedPart None { get; } = new([], null);

    public long[] LineStarts { get; } = lineStarts;

    public KeptAnswers? Answers { get; } = answers;
}

/// <summary>
/// A join's way through the parts a <see cref="PartGate"/> opens, record by record in input order: each record's line
/// in its part's id list, where its result line starts, and the answers its part kept. A part's kept answers go back
/// (see <see cref="KeptAnswers.Release"/>) once the join has asked for the record after the part's last, and every
/// part's when the walk is disposed (a join that stopped early).
/// </summary>
internal sealed class PartWalk(PartGate gate, Action handOver, CancellationToken cancellationToken) : IDisposable
{
    private readonly Dictionary<int, Cursor> _parts = [];
    private Cursor? _passed; // a part whose last record was handed out: the caller is done with it at the next call

    /// <summary>
    /// The next record of <paramref name="part"/>: its line in the part's id list (-1 when the part has no more),
    /// where its result line starts (-1 when none), and the part's kept answers. Waits for the part to open, after
    /// <c>handOver</c> (the records before it are then the caller's to use).
    /// </summary>
    public int Next(int part, out long lineStart, out KeptAnswers? answers)
    {
        _passed?.Release();
        _passed = null;
        if (!_parts.TryGetValue(part, out var cursor))
        {
            if (!gate.TryGetOpen(part, out var downloaded))
            {
                handOver();
                downloaded = gate.WaitFor(part, cancellationToken);
            }

            _parts[part] = cursor = new Cursor(downloaded);
        }

        var ordinal = cursor.Next(out lineStart);
        if (cursor.Done)
        {
            _passed = cursor;
        }

        answers = cursor.Answers;
        return ordinal;
    }

    public void Dispose()
    {
        foreach (var cursor in _parts.Values)
        {
            cursor.Release();
        }
    }

    /// <summary>An open part, and how many of its records were handed out.</summary>
    private sealed class Cursor(DownloadedPart part)
    {
        private int _next;

        public KeptAnswers? Answers => part.Answers;

        public bool Done => _next >= part.LineStarts.Length;

        public int Next(out long lineStart)
        {
            if (_next < part.LineStarts.Length)
            {
                lineStart = part.LineStarts[_next];
                return _next++;
            }

            lineStart = -1;
            return -1;
        }

        public void Release() => part.Answers?.Release();
    }
}

/// <summary>The download a join was waiting for ended without the part: its own failure is the one to report.</summary>
internal sealed class DownloadStoppedException() : Exception("The download of the job's results stopped.");
