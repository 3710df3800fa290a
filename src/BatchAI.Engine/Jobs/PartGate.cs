namespace BatchAI.Jobs;

/// <summary>
/// Which parts of a job have their results in the ledger yet, for a receive that joins records to results while the
/// download of later parts goes on. The join waits at a record whose part is still downloading; the download opens
/// each part once its lines are committed and in the <see cref="ResultIndex"/>, and closes the gate when it ends,
/// whether it finished or failed.
/// </summary>
internal sealed class PartGate
{
    private readonly HashSet<int> _open = [];
    private bool _closed;
    private bool _failed;

    /// <summary>The part's results are all in the ledger and the index.</summary>
    public void Open(int part)
    {
        lock (_open)
        {
            _open.Add(part);
            Monitor.PulseAll(_open);
        }
    }

    public bool IsOpen(int part)
    {
        lock (_open)
        {
            return _open.Contains(part);
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
    /// Waits until <paramref name="part"/> is open. A part the download finished without opening has no results: the
    /// caller goes on, and finds none.
    /// </summary>
    /// <exception cref="DownloadStoppedException">The download failed or was stopped before the part was in.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled while waiting.</exception>
    public void WaitFor(int part, CancellationToken cancellationToken)
    {
        using var wake = cancellationToken.CanBeCanceled ? cancellationToken.Register(static state => Pulse((HashSet<int>)state!), _open) : default;
        lock (_open)
        {
            while (!_open.Contains(part))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_closed)
                {
                    if (_failed)
                    {
                        throw new DownloadStoppedException();
                    }

                    return;
                }

                Monitor.Wait(_open);
            }
        }
    }

    private static void Pulse(HashSet<int> open)
    {
        lock (open)
        {
            Monitor.PulseAll(open);
        }
    }
}

/// <summary>The download a join was waiting for ended without the part: its own failure is the one to report.</summary>
internal sealed class DownloadStoppedException() : Exception("The download of the job's results stopped.");
