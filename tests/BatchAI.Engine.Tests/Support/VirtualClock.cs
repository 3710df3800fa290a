using BatchAI.Hosting;

namespace BatchAI.Engine.Tests.Support;

/// <summary>
/// Time that passes only when something waits: Delay returns at once and moves the clock on. Every delay is recorded,
/// so tests can check backoff and poll intervals exactly, and a 24-hour wait takes no time.
/// </summary>
internal sealed class VirtualClock : IClock
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _delays = [];
    private DateTimeOffset _now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    public DateTimeOffset UtcNow
    {
        get
        {
            lock (_gate)
            {
                return _now;
            }
        }
    }

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_gate)
            {
                return _delays.ToList();
            }
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _delays.Add(delay);
            _now += delay;
        }

        return Task.CompletedTask;
    }
}
