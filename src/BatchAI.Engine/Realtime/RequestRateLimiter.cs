using BatchAI.Hosting;

namespace BatchAI.Realtime;

/// <summary>
/// The client side of a provider's per-minute limits, so the real-time lane stays under them instead of meeting 429s:
/// at most <c>requestsPerMinute</c> calls and <c>tokensPerMinute</c> tokens in any 60-second window. A call holds its
/// place from when it is sent until a minute after its answer came back (not after it was sent): the provider counts
/// it from when it arrived, which is never later than when it answered, so the two windows cannot disagree.
/// </summary>
internal sealed class RequestRateLimiter(IClock clock, int? requestsPerMinute, long? tokensPerMinute)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly List<Slot> _slots = [];
    private readonly object _gate = new();

    /// <summary>Waits until a call of <paramref name="tokens"/> tokens fits in both limits, then holds its place.</summary>
    public async Task<Slot> AcquireAsync(long tokens, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = clock.UtcNow;
                _slots.RemoveAll(s => s.DoneAt is { } done && now - done >= Window);
                var calls = _slots.Count;
                var used = _slots.Sum(s => s.Tokens);
                var callsFit = requestsPerMinute is not { } rpm || calls < rpm;
                var tokensFit = tokensPerMinute is not { } tpm || used + tokens <= tpm || calls == 0;
                if (callsFit && tokensFit)
                {
                    var slot = new Slot(tokens);
                    _slots.Add(slot);
                    return slot;
                }

                // Wait for the earliest finished call to leave the window; if none has finished, for a short while.
                var earliest = _slots.Where(s => s.DoneAt is not null).Select(s => s.DoneAt!.Value).DefaultIfEmpty(now).Min();
                wait = earliest + Window - now;
                if (wait <= TimeSpan.Zero)
                {
                    wait = TimeSpan.FromMilliseconds(50);
                }
            }

            await clock.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The call has its answer: its place is freed a minute from now.</summary>
    public void Release(Slot slot)
    {
        lock (_gate)
        {
            slot.DoneAt = clock.UtcNow;
        }
    }

    internal sealed class Slot(long tokens)
    {
        public long Tokens { get; } = tokens;

        public DateTimeOffset? DoneAt { get; set; }
    }
}
