using BatchAI.Emulator;
using BatchAI.Engine.Tests.Support;
using BatchAI.Hosting;
using BatchAI.Providers;
using BatchAI.Providers.Gemini;
using BatchAI.Providers.Http;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>Provider calls the job flows do not reach with small jobs: Gemini's file upload, Azure's dated routes, the key's reach.</summary>
public sealed class NewProvidersOnTheEmulatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ProviderEmulator _emulator;

    public NewProvidersOnTheEmulatorTests()
    {
        _emulator = new ProviderEmulator(new EmulatorOptions { StateDirectory = _dir.File("emulator"), ProcessingTime = TimeSpan.Zero, RequiredApiKey = "right-key" });
    }

    [Fact]
    public async Task AGeminiPartOverTheInlineLimitIsUploadedInChunksAndReadFromItsResponsesFile()
    {
        var connection = new ProviderConnection { Provider = ProviderKind.Gemini, BaseUrl = "http://127.0.0.1:9/", ApiKey = "right-key" };
        var (pipeline, http) = Pipeline(connection);
        using var provider = new GeminiProvider(http, "v1beta", pipeline) { InlineLimit = 10 };
        var requests = Enumerable.Range(1, 5).Select(i => new BatchRequest("g-" + i, SourceRecord.FromPairs(i, [new("n", i)]), "Say " + i, "gemini-2.5-flash")).ToList();
        var part = WritePart(provider, requests);
        var uploaded = new List<string>();

        var created = await provider.SubmitAsync(new PartSubmission { JobId = "job1", PartIndex = 1, PartCount = 1, FilePath = part, Model = "gemini-2.5-flash", Requests = 5, Bytes = new FileInfo(part).Length }, uploaded.Add, CancellationToken.None);
        var finished = await provider.GetAsync(created.Id, CancellationToken.None);
        var results = new List<ResultLine>();
        await foreach (var line in provider.ReadResultsAsync(finished, CancellationToken.None))
        {
            results.Add(line);
        }

        var deleted = await provider.DeleteFilesAsync(finished, uploaded[0], CancellationToken.None);
        var deletedAgain = await provider.DeleteFilesAsync(finished, uploaded[0], CancellationToken.None);

        Assert.Matches("^files/[a-z0-9-]+$", Assert.Single(uploaded));
        Assert.Equal(BatchState.Completed, finished.State);
        Assert.True(finished.ResultLocations.ContainsKey(GeminiProvider.ResponsesFile));
        Assert.Equal(requests.Select(r => r.CustomId), results.Select(r => r.CustomId));
        Assert.All(results, r => Assert.Equal(ResultStatus.Succeeded, r.Status));
        Assert.Equal((2, 0), (deleted, deletedAgain)); // the upload and the responses file; then nothing is left to delete
    }

    [Fact]
    public async Task AzureDatedApiVersionsUseTheLegacyRoutesWithTheVersionOnEveryCall()
    {
        var connection = new ProviderConnection { Provider = ProviderKind.AzureOpenAI, BaseUrl = "http://127.0.0.1:9", ApiVersion = "2024-10-21", ApiKey = "right-key" };
        var seen = new List<Uri>();
        using var recorder = new RecordingHandler(_emulator, seen);
        using var provider = ProviderFactory.Create(connection, new HttpSettings(), new VirtualClock(), NullReporter.Instance, recorder);
        var part = WritePart(provider, [new BatchRequest("a-1", SourceRecord.FromPairs(1, [new("n", 1)]), "Hi", "gpt-4o-mini-batch")]);

        var created = await provider.SubmitAsync(new PartSubmission { JobId = "job2", PartIndex = 1, PartCount = 1, FilePath = part, Model = "gpt-4o-mini-batch", Requests = 1 }, _ => { }, CancellationToken.None);
        var finished = await provider.GetAsync(created.Id, CancellationToken.None);

        Assert.Equal(new Uri("http://127.0.0.1:9/openai/"), connection.ResolveBaseUrl());
        Assert.All(seen, uri => Assert.StartsWith("http://127.0.0.1:9/openai/", uri.AbsoluteUri, StringComparison.Ordinal));
        Assert.All(seen, uri => Assert.Contains("api-version=2024-10-21", uri.Query, StringComparison.Ordinal));
        Assert.Equal(BatchState.Completed, finished.State);
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, "https://api.openai.com/v1/")]
    [InlineData(ProviderKind.Anthropic, "https://api.anthropic.com/")]
    [InlineData(ProviderKind.Gemini, "https://generativelanguage.googleapis.com/")]
    public void EachProviderHasItsPublicEndpoint(ProviderKind provider, string expected) =>
        Assert.Equal(expected, new ProviderConnection { Provider = provider }.ResolveBaseUrl().AbsoluteUri);

    [Theory]
    [InlineData("https://res.openai.azure.com", null, "https://res.openai.azure.com/openai/v1/")]
    [InlineData("https://res.openai.azure.com/openai/v1", null, "https://res.openai.azure.com/openai/v1/")]
    [InlineData("https://res.openai.azure.com/openai", "v1", "https://res.openai.azure.com/openai/v1/")]
    [InlineData("https://res.openai.azure.com/", "2025-04-01-preview", "https://res.openai.azure.com/openai/")]
    public void AnAzureEndpointBecomesItsApiRoot(string endpoint, string? version, string expected) =>
        Assert.Equal(expected, new ProviderConnection { Provider = ProviderKind.AzureOpenAI, BaseUrl = endpoint, ApiVersion = version }.ResolveBaseUrl().AbsoluteUri);

    [Fact]
    public void AzureWithoutAnEndpointSaysWhereToGiveOne()
    {
        var previous = Environment.GetEnvironmentVariable(ProviderConnection.AzureEndpointVariable);
        Environment.SetEnvironmentVariable(ProviderConnection.AzureEndpointVariable, null);
        try
        {
            var error = Assert.Throws<BatchAIException>(() => new ProviderConnection { Provider = ProviderKind.AzureOpenAI }.ResolveBaseUrl());
            Assert.Equal("AzureEndpointMissing", error.ErrorId);
            Assert.Contains("AZURE_OPENAI_ENDPOINT", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ProviderConnection.AzureEndpointVariable, previous);
        }
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, "Authorization", "Bearer secret-1")]
    [InlineData(ProviderKind.Anthropic, "x-api-key", "secret-1")]
    [InlineData(ProviderKind.Gemini, "x-goog-api-key", "secret-1")]
    [InlineData(ProviderKind.AzureOpenAI, "api-key", "secret-1")]
    public void TheKeyGoesInEachProvidersHeaderAndOnlyToItsOrigin(ProviderKind provider, string header, string value)
    {
        var connection = new ProviderConnection { Provider = provider, BaseUrl = "https://provider.example/", ApiKey = "secret-1" };
        var prepare = ProviderAuth.For(connection, connection.ResolveBaseUrl(), "secret-1");
        using var own = new HttpRequestMessage(HttpMethod.Get, new Uri(connection.ResolveBaseUrl(), "x"));
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "https://elsewhere.example/results");

        prepare(own);
        prepare(own); // a retry must not add the header twice
        prepare(elsewhere);

        Assert.Equal(value, string.Join(",", own.Headers.GetValues(header)));
        Assert.Empty(elsewhere.Headers);
        if (provider == ProviderKind.Anthropic)
        {
            Assert.Equal(ProviderAuth.AnthropicVersion, Assert.Single(own.Headers.GetValues("anthropic-version")));
        }
    }

    [Fact]
    public void GeminiPrefersGoogleApiKeyAsItsSdksDo()
    {
        var (google, gemini) = (Environment.GetEnvironmentVariable("GOOGLE_API_KEY"), Environment.GetEnvironmentVariable("GEMINI_API_KEY"));
        Environment.SetEnvironmentVariable("GOOGLE_API_KEY", "from-google");
        Environment.SetEnvironmentVariable("GEMINI_API_KEY", "from-gemini");
        try
        {
            Assert.Equal("from-google", new ProviderConnection { Provider = ProviderKind.Gemini }.ResolveApiKey());
            Environment.SetEnvironmentVariable("GOOGLE_API_KEY", null);
            Assert.Equal("from-gemini", new ProviderConnection { Provider = ProviderKind.Gemini }.ResolveApiKey());
        }
        finally
        {
            Environment.SetEnvironmentVariable("GOOGLE_API_KEY", google);
            Environment.SetEnvironmentVariable("GEMINI_API_KEY", gemini);
        }
    }

    public void Dispose()
    {
        _emulator.Dispose();
        _dir.Dispose();
    }

    private (HttpPipeline Pipeline, ProviderHttp Http) Pipeline(ProviderConnection connection)
    {
        var baseUrl = connection.ResolveBaseUrl();
        var pipeline = HttpPipeline.Create(baseUrl, ProviderAuth.For(connection, baseUrl, connection.ApiKey!), new SecretRedactor(connection.ApiKey!), new HttpSettings(), new VirtualClock(), NullReporter.Instance, _emulator);
        return (pipeline, new ProviderHttp(pipeline.Client, new SecretRedactor(connection.ApiKey!), "Gemini", "GEMINI_API_KEY"));
    }

    private string WritePart(IBatchProvider provider, IEnumerable<BatchRequest> requests)
    {
        var path = _dir.File("part-" + Guid.NewGuid().ToString("N") + ".jsonl");
        using var stream = File.Create(path);
        foreach (var request in requests)
        {
            var line = new BatchAI.IO.JsonLine();
            provider.WriteRequestLine(line, request);
            line.EndLine();
            stream.Write(line.Buffer, 0, line.Length);
        }

        return path;
    }

    private sealed class RecordingHandler(HttpMessageHandler inner, List<Uri> seen) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.RequestUri!);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
