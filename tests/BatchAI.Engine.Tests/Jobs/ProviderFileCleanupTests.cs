using System.Net.Http.Headers;
using System.Text.Json;
using BatchAI.Emulator;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>Once a batch's results are safe in the ledger, its files at the provider are deleted, unless the job keeps them.</summary>
public sealed class ProviderFileCleanupTests : IDisposable
{
    private readonly EngineHarness _harness = new(limits: new ProviderLimits(maxRequestsPerBatch: 2, maxBytesPerBatch: 1_000_000));

    [Theory]
    [InlineData(ProviderKind.OpenAI, "v1/files")]
    [InlineData(ProviderKind.AzureOpenAI, "openai/v1/files")]
    public async Task ReceivingAJobDeletesItsInputAndOutputFilesAtTheProvider(ProviderKind provider, string files)
    {
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 5).Select(i => EngineHarness.Request(i, ProviderNames.ExampleModel(provider))), provider: provider);
        var before = await FileCountAsync(files);
        await _harness.WaitAsync(job.Id);
        var (summary, _) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(3, before); // one input file per batch
        Assert.Equal(0, await FileCountAsync(files));
        Assert.Equal(5, summary.Succeeded);
        Assert.Contains(_harness.Reporter.VerboseMessages, m => m.Contains("deleted 2 file(s) of batch", StringComparison.Ordinal)); // input and output
    }

    [Fact]
    public async Task AJobThatKeepsItsFilesLeavesThemAtTheProvider()
    {
        using var draft = _harness.Service.CreateDraft(new JobDefinition { KeepProviderFiles = true, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter);
        Assert.Empty(draft.Add(EngineHarness.Request(1)));
        var job = await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
        await _harness.WaitAsync(job.Id);
        await _harness.ReceiveAsync(job.Id);

        Assert.Equal(2, await FileCountAsync("v1/files")); // the input and the output
    }

    public void Dispose() => _harness.Dispose();

    /// <summary>Looks at the emulator's state as another process would, through an emulator of its own on the same folder.</summary>
    private async Task<int> FileCountAsync(string path)
    {
        using var emulator = new ProviderEmulator(new EmulatorOptions { StateDirectory = Path.Combine(_harness.Store, "emulator"), Clock = () => _harness.Clock.UtcNow });
        using var http = new HttpClient(emulator, disposeHandler: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://emulator.test/" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "k");
        request.Headers.TryAddWithoutValidation("api-key", "k");
        using var response = await http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return body.GetProperty("data").GetArrayLength();
    }
}
