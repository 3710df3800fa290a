using BatchAI.Engine.Tests.Support;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>Tab completion of job arguments: names (once each, the newest job's) and ids from the store.</summary>
public sealed class JobCompletionTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    [Fact]
    public async Task NamesComeOnceThenIdsNewestFirstMatchedIgnoringCase()
    {
        var older = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "Nightly-leads");
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var newer = await _harness.SubmitAsync([EngineHarness.Request(1), EngineHarness.Request(2)], name: "Nightly-leads");
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var other = await _harness.SubmitAsync([EngineHarness.Request(1)], name: "backlog");

        var byName = _harness.Service.Completions("NIGHT");
        var byId = _harness.Service.Completions("job-");
        var all = _harness.Service.Completions(null);

        var name = Assert.Single(byName);
        Assert.Equal("Nightly-leads", name.Text);
        Assert.StartsWith(newer.Id + " (Nightly-leads)", name.Description, StringComparison.Ordinal);
        Assert.Contains("2 request(s)", name.Description, StringComparison.Ordinal);
        Assert.Equal([other.Id, newer.Id, older.Id], byId.Select(c => c.Text));
        Assert.Equal(["backlog", "Nightly-leads", other.Id, newer.Id, older.Id], all.Select(c => c.Text));
        Assert.Empty(_harness.Service.Completions("zzz"));
    }

    [Fact]
    public void AnEmptyOrMissingStoreOffersNothing() => Assert.Empty(_harness.Service.Completions("job"));

    public void Dispose() => _harness.Dispose();
}
