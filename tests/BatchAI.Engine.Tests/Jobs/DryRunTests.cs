using BatchAI.Engine.Tests.Support;
using BatchAI.Hosting;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// A dry run prepares a job up to the upload for a real provider endpoint: its provider only encodes requests, so it
/// needs no key and sends nothing, whatever the environment holds.
/// </summary>
public sealed class DryRunTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(ProviderKind.OpenAI, "https://api.openai.com/v1")]
    [InlineData(ProviderKind.Anthropic, "https://api.anthropic.com")]
    [InlineData(ProviderKind.Gemini, "https://generativelanguage.googleapis.com")]
    [InlineData(ProviderKind.AzureOpenAI, "https://contoso.openai.azure.com")]
    public async Task ADryRunForARemoteProviderNeedsNoKeyAndSendsNothing(ProviderKind provider, string baseUrl)
    {
        var network = new CallCounter();
        using var service = new JobService(new JobServiceOptions { Store = _dir.Path, NetworkHandler = network.Around(new HttpClientHandler()) });
        var definition = new JobDefinition { DryRun = true, Connection = new ProviderConnection { Provider = provider, BaseUrl = baseUrl } };
        using var draft = service.CreateDraft(definition, NullReporter.Instance);
        foreach (var i in Enumerable.Range(1, 5))
        {
            Assert.Empty(draft.Add(EngineHarness.Request(i, ProviderNames.ExampleModel(provider))));
        }

        var job = await service.SubmitAsync(draft, NullReporter.Instance, CancellationToken.None);

        Assert.True(job.DryRun);
        Assert.Equal(5, Assert.Single(job.Batches).Requests);
        Assert.Null(job.Batches[0].BatchId);
        Assert.True(new FileInfo(Path.Combine(job.Folder, "parts", "part-0001.jsonl")).Length > 0);
        Assert.Equal(0, network.Count);
    }

    public void Dispose() => _dir.Dispose();
}
