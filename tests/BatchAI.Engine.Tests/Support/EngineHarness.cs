using BatchAI.Emulator;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Support;

/// <summary>
/// A job service over a fresh store, with the in-process emulator on the same virtual clock: a wait moves time for
/// both, so a batch that takes an hour finishes in no real time.
/// </summary>
internal sealed class EngineHarness : IDisposable
{
    private readonly TempDirectory _dir = new();

    public EngineHarness(TimeSpan? processing = null, ProviderLimits? limits = null)
    {
        Processing = processing ?? TimeSpan.FromSeconds(30);
        Limits = limits;
        Service = NewService(limits);
    }

    /// <summary>The batch limits <see cref="Service"/> was made with.</summary>
    public ProviderLimits? Limits { get; }

    public VirtualClock Clock { get; } = new();

    public RecordingReporter Reporter { get; } = new();

    public TimeSpan Processing { get; set; }

    /// <summary>Faults for the emulator to inject (set before the first call that reaches it).</summary>
    public Action<EmulatorOptions>? Faults { get; set; }

    /// <summary>Wraps the emulator, to see or spoil the traffic (set before the first call that reaches it).</summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? Wrap { get; set; }

    public JobService Service { get; }

    public string Store => _dir.Path;

    public string Temp(string name) => _dir.File(name);

    /// <summary>Another service on the same store: what a second process (a later scheduled task) would see.</summary>
    public JobService NewService(ProviderLimits? limits = null, long keptAnswerBytes = KeptAnswers.DefaultBudget) => new(new JobServiceOptions
    {
        Store = _dir.Path,
        KeptAnswerBytes = keptAnswerBytes,
        Clock = Clock,
        Random = () => 0.5,
        Limits = limits,
        EmulatorFactory = folder =>
        {
            var options = new EmulatorOptions { StateDirectory = folder, Clock = () => Clock.UtcNow, ProcessingTime = Processing };
            Faults?.Invoke(options);
            var emulator = new ProviderEmulator(options);
            return Wrap is null ? emulator : Wrap(emulator);
        },
    });

    public static RequestOptions Options(string prompt = "Classify: {subject}", Action<RequestOptions>? change = null)
    {
        var options = new RequestOptions { Prompt = PromptTemplate.Parse(prompt), Model = "gpt-4o-mini" };
        change?.Invoke(options);
        return options;
    }

    public static JobDefinition Emulated(string? name = null, ProviderKind provider = ProviderKind.OpenAI) =>
        new() { Name = name, Connection = new ProviderConnection { Provider = provider, UseEmulator = true } };

    public async Task<BatchJob> SubmitFileAsync(string path, RequestOptions? options = null, string? name = null, ProviderKind provider = ProviderKind.OpenAI)
    {
        using var records = RecordFiles.Open(path);
        return await RecordSubmission.SubmitAsync(Service, records, options ?? Options(), Emulated(name, provider), Reporter, CancellationToken.None);
    }

    public async Task<BatchJob> SubmitAsync(IEnumerable<BatchRequest> requests, string? name = null, JobService? service = null, ProviderKind provider = ProviderKind.OpenAI)
    {
        service ??= Service;
        using var draft = service.CreateDraft(Emulated(name, provider), Reporter);
        foreach (var request in requests)
        {
            Assert.Empty(draft.Add(request));
        }

        return await service.SubmitAsync(draft, Reporter, CancellationToken.None);
    }

    public async Task<(ReceiveSummary Summary, List<BatchResult> Results)> ReceiveAsync(string job, JobService? service = null)
    {
        var results = new List<BatchResult>();
        var summary = await (service ?? Service).ReceiveAsync(job, results.Add, null, Reporter, CancellationToken.None);
        return (summary, results);
    }

    public Task<WaitOutcome> WaitAsync(string job, WaitOptions? options = null) =>
        Service.WaitAsync(job, options ?? new WaitOptions(), null, Reporter, CancellationToken.None);

    public static BatchRequest Request(int row, string model = "gpt-4o-mini", string? id = null, string prompt = "Say something", ResponseSchema? schema = null) =>
        new(id ?? CustomIds.ForRow(row), new SourceRecord(row, new ColumnSet(["n"]), [(long)row]), prompt + " " + row, model, schema: schema);

    public void Dispose()
    {
        Service.Dispose();
        _dir.Dispose();
    }
}
