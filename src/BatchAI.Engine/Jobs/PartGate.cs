namespace BatchAI.Jobs;

/// <summary>
/// Which parts of a job have their results in the ledger yet, and where in the results file each of their records'
/// line starts, for a receive that joins records to results while the download of later parts goes on. The join
/// waits at a record whose part is still downloading; the download opens each part once its lines are committed,
/// and closes the gate when it ends, whether it finished or failed.
/// </summary>
internal sealed class PartGate
{
    private readonly Dictionary<int, long[]> _open = [];
    private bool _closed;
    private bool _failed;

    /// <summary>
    /// The part's results are all in the ledger: <paramref name="lineStarts"/> holds where each record's line starts
    /// in the results file, by the record's line in the part's id list (see <see cref="PartRoster.LineStarts"/>).
    /// The gate owns the array from now on.
    /// </summary>
    public void Open(int part, long[] lineStarts)
    {
        lock (_open)
        {
            _open[part] = lineStarts;
            Monitor.PulseAll(_open);
        }
    }

    /// <summary>The part's line starts, when it is open.</summary>
    public bool TryGetOpen(int part, out long[] lineStarts)
    {
        lock (_open)
        {
            return _open.TryGetValue(part, out lineStarts!);
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
    /// Waits until <paramref name="part"/> is open and returns its line starts. A part the download finished without
    /// opening has no results: the caller gets none (an empty array), and goes on.
    /// </summary>
    /// <exception cref="DownloadStoppedException">The download failed or was stopped before the part was in.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled while waiting.</exception>
    public long[] WaitFor(int part, CancellationToken cancellationToken)
    {
        using var wake = cancellationToken.CanBeCanceled ? cancellationToken.Register(static state => Pulse((Dictionary<int, long[]>)state!), _open) : default;
        lock (_open)
        {
            long[]? lineStarts;
            while (!_open.TryGetValue(part, out lineStarts))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_closed)
                {
                    if (_failed)
                    {
                        throw new DownloadStoppedException();
                    }

                    return [];
                }

                Monitor.Wait(_open);
            }

            return lineStarts;
        }
    }

    private static void Pulse(Dictionary<int, long[]> open)
    {
        lock (open)
        {
            Monitor.PulseAll(open);
        }
    }
}

/// <summary>The download a join was waiting for ended without the part: its own failure is the one to report.</summary>
internal sealed class DownloadStoppedException() : Exception("The download of the job's results stopped.");
