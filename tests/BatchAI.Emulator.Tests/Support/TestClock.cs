namespace BatchAI.Emulator.Tests.Support;

/// <summary>A clock that only moves when the test moves it.</summary>
internal sealed class TestClock(DateTimeOffset start)
{
    public TestClock()
        : this(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero))
    {
    }

    public DateTimeOffset Now { get; private set; } = start;

    public void Advance(TimeSpan by) => Now += by;
}
