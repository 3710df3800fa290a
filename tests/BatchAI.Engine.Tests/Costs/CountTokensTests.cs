using BatchAI.Engine.Tests.Support;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Costs;

/// <summary>The providers' own count-tokens endpoints, asked for: each gives what the same request is then billed as.</summary>
public sealed class CountTokensTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    public static TheoryData<ProviderKind> Providers => [ProviderKind.OpenAI, ProviderKind.Anthropic, ProviderKind.Gemini, ProviderKind.AzureOpenAI];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TheProvidersCountIsWhatTheRequestIsBilledAs(ProviderKind provider)
    {
        var source = SourceRecord.FromPairs(1, [new("n", 1)]);
        var requests = new[]
        {
            new BatchRequest("a", source, "Summarize: the printer on floor 3 jams on every duplex job since Monday.", ProviderNames.ExampleModel(provider), systemPrompt: "You are terse."),
            new BatchRequest("b", source, "Hi", ProviderNames.ExampleModel(provider)),
        };

        var counted = await _harness.Service.CountTokensAsync(new ProviderConnection { Provider = provider, UseEmulator = true }, requests, _harness.Reporter, CancellationToken.None);
        var billed = new List<long>();
        await _harness.Service.RunRealtimeAsync(new ProviderConnection { Provider = provider, UseEmulator = true }, requests, new BatchAI.Realtime.RealtimeOptions(), r => billed.Add(r.InputTokens!.Value), _harness.Reporter, CancellationToken.None);

        Assert.Equal(billed, counted);
        Assert.True(counted[0] > counted[1]);
    }

    public void Dispose() => _harness.Dispose();
}
