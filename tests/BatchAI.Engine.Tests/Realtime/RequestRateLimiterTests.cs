using BatchAI.Engine.Tests.Support;
using BatchAI.Realtime;

namespace BatchAI.Engine.Tests.Realtime;

/// <summary>
/// The client-side per-minute limits: a call holds its place until a minute after its answer, the latest moment the
/// provider can have counted it from, so our window never closes before the provider's does.
/// </summary>
public sealed class RequestRateLimiterTests
{
    private readonly VirtualClock _clock = new();

    [Fact]
    public async Task AFullWindowWaitsUntilAMinuteAfterTheEarliestAnswer()
    {
        var limiter = new RequestRateLimiter(_clock, requestsPerMinute: 3, tokensPerMinute: null);
        var start = _clock.UtcNow;
        var first = new List<RequestRateLimiter.Slot>();
        for (var i = 0; i < 3; i++)
        {
            first.Add(await limiter.AcquireAsync(1, CancellationToken.None));
        }

        Assert.Equal(start, _clock.UtcNow); // the first minute's calls go at once
        _clock.Advance(TimeSpan.FromSeconds(5)); // their answers take 5 s
        first.ForEach(limiter.Release);

        await limiter.AcquireAsync(1, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(65), _clock.UtcNow - start);
    }

    [Fact]
    public async Task TokensAreCountedLikeCallsButOneCallLargerThanTheLimitStillGoesAlone()
    {
        var limiter = new RequestRateLimiter(_clock, requestsPerMinute: null, tokensPerMinute: 1_000);
        var start = _clock.UtcNow;
        limiter.Release(await limiter.AcquireAsync(600, CancellationToken.None));

        limiter.Release(await limiter.AcquireAsync(600, CancellationToken.None)); // 1,200 > 1,000: after the first leaves the window
        Assert.Equal(TimeSpan.FromMinutes(1), _clock.UtcNow - start);

        limiter.Release(await limiter.AcquireAsync(5_000, CancellationToken.None)); // over the limit on its own: once the window is empty
        Assert.Equal(TimeSpan.FromMinutes(2), _clock.UtcNow - start);
    }
}
