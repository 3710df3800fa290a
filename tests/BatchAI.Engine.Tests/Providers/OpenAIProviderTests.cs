using System.Net;
using System.Text.Json;
using BatchAI.Emulator;
using BatchAI.Engine.Tests.Support;
using BatchAI.Hosting;
using BatchAI.Providers;
using BatchAI.Providers.Http;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Providers;

public sealed class OpenAIProviderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DateTimeOffset _start = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
    private readonly ProviderEmulator _emulator;
    private readonly IBatchProvider _provider;
    private TimeSpan _elapsed;

    public OpenAIProviderTests()
    {
        _emulator = new ProviderEmulator(new EmulatorOptions { StateDirectory = _dir.File("emulator"), Clock = () => _start + _elapsed, ProcessingTime = TimeSpan.FromSeconds(10) });
        _provider = ProviderFactory.Create(new ProviderConnection { UseEmulator = true }, new HttpSettings(), new VirtualClock(), NullReporter.Instance, _emulator);
    }

    private static BatchRequest Request(string id, string prompt, ResponseSchema? schema = null, string? system = null, int? maxTokens = null, double? temperature = null) =>
        new(id, SourceRecord.FromPairs(1, [new("text", prompt)]), prompt, "gpt-4o-mini", system, maxTokens, temperature, schema);

    private string WritePart(params BatchRequest[] requests)
    {
        var path = _dir.File("part-" + Guid.NewGuid().ToString("N") + ".jsonl");
        using var stream = File.Create(path);
        foreach (var request in requests)
        {
            var line = new BatchAI.IO.JsonLine();
            _provider.WriteRequestLine(line, request);
            line.EndLine();
            stream.Write(line.Buffer, 0, line.Length);
        }

        return path;
    }

    [Fact]
    public void WritesChatCompletionsLinesWithEverySetting()
    {
        var schema = ResponseSchema.Parse("""{"title":"Label","type":"object","properties":{"label":{"type":"string"}},"required":["label"],"additionalProperties":false}""");
        var path = WritePart(Request("row-1", "Classify: x", schema, "You label tickets.", 50, 0.2));

        var line = File.ReadAllText(path).TrimEnd('\n');

        Assert.Equal(
            """{"custom_id":"row-1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You label tickets."},{"role":"user","content":"Classify: x"}],"max_completion_tokens":50,"temperature":0.2,"response_format":{"type":"json_schema","json_schema":{"name":"Label","strict":true,"schema":{"title":"Label","type":"object","properties":{"label":{"type":"string"}},"required":["label"],"additionalProperties":false}}}}}""",
            line);
    }

    [Fact]
    public void LeavesOutSettingsThatWereNotGiven()
    {
        var line = File.ReadAllText(WritePart(Request("row-1", "Hi \"there\"\nZoë"))).TrimEnd('\n');

        Assert.Equal("""{"custom_id":"row-1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi \"there\"\nZoë"}]}}""", line);
    }

    [Fact]
    public async Task SubmitsAPartAsABatchThatNamesItsJob()
    {
        string? uploaded = null;
        var part = new PartSubmission { JobId = "job-1", JobName = "tickets", PartIndex = 2, PartCount = 3, FilePath = WritePart(Request("a", "x"), Request("b", "y")) };

        var batch = await _provider.SubmitAsync(part, id => uploaded = id, CancellationToken.None);

        Assert.StartsWith("file-", uploaded, StringComparison.Ordinal);
        Assert.StartsWith("batch_", batch.Id, StringComparison.Ordinal);
        Assert.Equal((BatchState.Validating, "validating"), (batch.State, batch.ProviderStatus));
        using var http = new HttpClient(_emulator, disposeHandler: false);
        http.DefaultRequestHeaders.Authorization = new("Bearer", "k");
        var raw = JsonDocument.Parse(await http.GetStringAsync("http://x/v1/batches/" + batch.Id)).RootElement;
        Assert.Equal("job-1", raw.GetProperty("metadata").GetProperty("batchai_job").GetString());
        Assert.Equal("2/3", raw.GetProperty("metadata").GetProperty("batchai_part").GetString());
        Assert.Equal("tickets", raw.GetProperty("metadata").GetProperty("batchai_name").GetString());
        Assert.Equal(uploaded, raw.GetProperty("input_file_id").GetString());
    }

    [Fact]
    public async Task AnUploadedFileIsNotUploadedAgain()
    {
        var first = await _provider.SubmitAsync(new PartSubmission { JobId = "j", PartIndex = 1, PartCount = 1, FilePath = WritePart(Request("a", "x")) }, _ => { }, CancellationToken.None);
        using var http = new HttpClient(_emulator, disposeHandler: false);
        http.DefaultRequestHeaders.Authorization = new("Bearer", "k");
        var fileId = JsonDocument.Parse(await http.GetStringAsync("http://x/v1/batches/" + first.Id)).RootElement.GetProperty("input_file_id").GetString();
        var uploads = 0;

        var second = await _provider.SubmitAsync(new PartSubmission { JobId = "j", PartIndex = 1, PartCount = 1, FilePath = "/does/not/exist", UploadedFileId = fileId }, _ => uploads++, CancellationToken.None);

        Assert.Equal(0, uploads);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public async Task FollowsABatchToCompletionAndReadsItsResults()
    {
        var schema = ResponseSchema.Parse("""{"type":"object","properties":{"label":{"type":"string","enum":["a","b"]}},"required":["label"],"additionalProperties":false}""");
        var part = new PartSubmission { JobId = "j", PartIndex = 1, PartCount = 1, FilePath = WritePart(Request("plain", "hello"), Request("json", "classify", schema)) };
        var batch = await _provider.SubmitAsync(part, _ => { }, CancellationToken.None);
        _elapsed = TimeSpan.FromSeconds(5);
        var running = await _provider.GetAsync(batch.Id, CancellationToken.None);
        _elapsed = TimeSpan.FromSeconds(11);
        var done = await _provider.GetAsync(batch.Id, CancellationToken.None);

        var results = new List<ResultLine>();
        await foreach (var line in _provider.ReadResultsAsync(done, CancellationToken.None))
        {
            results.Add(line);
        }

        Assert.Equal(BatchState.Running, running.State);
        Assert.Equal((BatchState.Completed, 2, 2, 0), (done.State, done.Total, done.Completed, done.Failed));
        Assert.True(done.ResultLocations.ContainsKey("output_file_id"));
        var plain = results.Single(r => r.CustomId == "plain");
        var json = results.Single(r => r.CustomId == "json");
        Assert.Equal("[emulated] Reply to: hello", plain.Text);
        Assert.True(plain.InputTokens > 0 && plain.OutputTokens > 0);
        Assert.Contains(JsonDocument.Parse(json.Text!).RootElement.GetProperty("label").GetString(), new[] { "a", "b" });
    }

    [Fact]
    public async Task CancelsAndReadsBackTheCanceledRequests()
    {
        var batch = await _provider.SubmitAsync(new PartSubmission { JobId = "j", PartIndex = 1, PartCount = 1, FilePath = WritePart(Request("a", "x"), Request("b", "y")) }, _ => { }, CancellationToken.None);

        var canceling = await _provider.CancelAsync(batch.Id, CancellationToken.None);
        _elapsed = TimeSpan.FromSeconds(3);
        var canceled = await _provider.GetAsync(batch.Id, CancellationToken.None);
        var results = new List<ResultLine>();
        await foreach (var line in _provider.ReadResultsAsync(canceled, CancellationToken.None))
        {
            results.Add(line);
        }

        Assert.Equal(BatchState.Canceling, canceling.State);
        Assert.Equal(BatchState.Canceled, canceled.State);
        Assert.Equal([ResultStatus.Canceled, ResultStatus.Canceled], results.Select(r => r.Status));
    }

    [Fact]
    public async Task ABatchThatFailsValidationSaysWhy()
    {
        var path = _dir.File("dup.jsonl");
        var line = File.ReadAllText(WritePart(Request("same", "x")));
        File.WriteAllText(path, line + line);
        var batch = await _provider.SubmitAsync(new PartSubmission { JobId = "j", PartIndex = 1, PartCount = 1, FilePath = path }, _ => { }, CancellationToken.None);
        _elapsed = TimeSpan.FromSeconds(2);

        var failed = await _provider.GetAsync(batch.Id, CancellationToken.None);

        Assert.Equal(BatchState.Failed, failed.State);
        Assert.StartsWith("duplicate_custom_id (line 2): ", Assert.Single(failed.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProviderErrorsNameTheOperationAndKeepTheKeyOut()
    {
        const string key = "sk-live-0123456789abcdefXYZ";
        var echo = new ScriptedHandler(ScriptedHandler.Status(HttpStatusCode.Unauthorized, $$$"""{"error":{"message":"Incorrect API key provided: {{{key}}}.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""));
        using var provider = ProviderFactory.Create(new ProviderConnection { ApiKey = key }, new HttpSettings(), new VirtualClock(), NullReporter.Instance, echo);

        var error = await Assert.ThrowsAsync<ProviderException>(() => provider.GetAsync("batch_1", CancellationToken.None));

        Assert.Equal((ErrorKind.Authentication, "ProviderAuthenticationFailed", "invalid_api_key"), (error.Kind, error.ErrorId, error.ProviderCode));
        Assert.StartsWith("Reading batch batch_1 failed: OpenAI answered 401 Unauthorized: Incorrect API key provided: ***.", error.Message, StringComparison.Ordinal);
        Assert.Contains("OPENAI_API_KEY", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, error.ToString(), StringComparison.Ordinal);
        Assert.Equal("https://api.openai.com/v1/batches/batch_1", echo.Sent[0].Uri);
    }

    [Fact]
    public async Task ANonJsonErrorPageIsQuoted()
    {
        var gateway = new ScriptedHandler(ScriptedHandler.Status(HttpStatusCode.Forbidden, "<html>Access denied by gateway</html>"));
        using var provider = ProviderFactory.Create(new ProviderConnection { ApiKey = "sk-whatever-123456", BaseUrl = "https://gateway.example/openai/v1" }, new HttpSettings(), new VirtualClock(), NullReporter.Instance, gateway);

        var error = await Assert.ThrowsAsync<ProviderException>(() => provider.GetAsync("batch_1", CancellationToken.None));

        Assert.Equal(ErrorKind.Permission, error.Kind);
        Assert.Contains("<html>Access denied by gateway</html>", error.Message, StringComparison.Ordinal);
        Assert.Equal("https://gateway.example/openai/v1/batches/batch_1", gateway.Sent[0].Uri);
    }

    public void Dispose()
    {
        _provider.Dispose();
        _emulator.Dispose();
        _dir.Dispose();
    }
}
