using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>The job store holds the user's records, prompts and answers: on Unix its folders are 0700 and its files 0600.</summary>
public sealed class StorePrivacyTests : IDisposable
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDirectory _parent = new();

    [Fact]
    public async Task EveryFolderAndFileOfAJobIsTheOwnersAlone()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Windows gets an owner-only ACL instead; the Pester suite checks it where it runs.
        }

        var store = Path.Combine(_parent.Path, "fresh-store");
        using (var harness = new EngineHarness())
        {
            using var service = new JobService(new JobServiceOptions { Store = store, Clock = harness.Clock, EmulatorFactory = folder => new BatchAI.Emulator.ProviderEmulator(new BatchAI.Emulator.EmulatorOptions { StateDirectory = folder, Clock = () => harness.Clock.UtcNow }) });
            var job = await harness.SubmitAsync([EngineHarness.Request(1, schema: BatchAI.Requests.ResponseSchema.Parse("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}"""))], service: service);
            await service.WaitAsync(job.Id, new WaitOptions(), null, harness.Reporter, CancellationToken.None);
            await service.ReceiveAsync(job.Id, _ => { }, null, harness.Reporter, CancellationToken.None);
        }

        var jobs = Path.Combine(store, "jobs");
        var folders = new[] { store, jobs, Path.Combine(store, "staging") }.Concat(Directory.EnumerateDirectories(jobs, "*", SearchOption.AllDirectories)).ToList();
        var files = Directory.EnumerateFiles(jobs, "*", SearchOption.AllDirectories).ToList();

        Assert.Contains(files, f => f.EndsWith("results.jsonl", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".ids", StringComparison.Ordinal));
        Assert.All(folders, f => Assert.Equal((f, OwnerOnlyFolder), (f, Mode(f))));
        Assert.All(files, f => Assert.Equal((f, OwnerOnlyFile), (f, Mode(f))));
    }

    public void Dispose() => _parent.Dispose();

    private static UnixFileMode Mode(string path) => OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);
}
