using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// Each custom id's latest line in the job's results file: where it starts, and its outcome (status, and whether it
/// may be tried again), packed in one number per id of a <see cref="CustomIdMap"/>. Counting a job's records needs
/// only the outcomes; joining results to records reads each line at its offset. A download notes every line it
/// appends, so the file need not be read again to know either (a million lines take about two seconds to scan).
/// Not for use from two threads at once: a receive that joins while its download goes on finds each result by its
/// part instead (see <see cref="PartGate"/>), and keeps no index.
/// </summary>
internal sealed class ResultIndex
{
    // offset << 9 | retryable << 8 | status: offsets up to 2^54 bytes, far past any file.
    private const int OffsetShift = 9;
    private const long RetryableFlag = 1 << 8;
    private const long StatusMask = 0xFF;

    private readonly CustomIdMap _ids;

    /// <param name="capacity">How many ids it will likely hold (a job's records): room made at once, not by growing.</param>
    public ResultIndex(long capacity = 0) => _ids = new CustomIdMap((int)Math.Min(capacity, MostMadeAtOnce));

    /// <summary>Beyond this, the index grows as ids come (a job this large is unlikely; its room is not taken on trust).</summary>
    private const int MostMadeAtOnce = 1 << 24;

    public int Count => _ids.Count;

    /// <summary>Notes the line for <paramref name="customId"/> at <paramref name="offset"/>; a later line replaces an earlier one.</summary>
    public void Note(string customId, long offset, ResultStatus status, bool retryable) =>
        _ids.Set(customId, (offset << OffsetShift) | (retryable ? RetryableFlag : 0) | (long)status);

    public bool TryGetOffset(string customId, out long offset)
    {
        var found = TryGet(customId, out var value);
        offset = value >> OffsetShift;
        return found;
    }

    public bool TryGetOutcome(string customId, out ResultStatus status, out bool retryable)
    {
        var found = TryGet(customId, out var value);
        status = (ResultStatus)(value & StatusMask);
        retryable = (value & RetryableFlag) != 0;
        return found;
    }

    private bool TryGet(string customId, out long value) => _ids.TryGetValue(customId, out value);
}
