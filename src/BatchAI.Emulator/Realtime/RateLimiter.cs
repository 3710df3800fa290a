namespace BatchAI.Emulator.Realtime;

/// <summary>
/// The synchronous endpoints' rate limit, as providers enforce theirs: at most <see cref="EmulatorOptions.RequestsPerMinute"/>
/// calls in any 60-second window (all synchronous endpoints together), on the emulator's clock. A call over the limit
/// is refused with how long until a slot frees.
/// </summary>
internal sealed class RateLimiter(EmulatorOptions options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<DateTimeOffset> _calls = new();
    private readonly object _gate = new();

    /// <summary>Null when the call may go ahead (and it is counted); else how long to wait.</summary>
    public TimeSpan? Admit()
    {
        if (options.RequestsPerMinute is not { } limit)
        {
            return null;
        }

        lock (_gate)
        {
            var now = options.Clock();
            while (_calls.Count > 0 && now - _calls.Peek() >= Window)
            {
                _calls.Dequeue();
            }

            if (_calls.Count >= limit)
            {
                var wait = _calls.Peek() + Window - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1);
            }

            _calls.Enqueue(now);
            return null;
        }
    }
}
