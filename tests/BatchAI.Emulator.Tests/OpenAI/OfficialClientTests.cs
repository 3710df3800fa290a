using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using BatchAI.Emulator.Tests.Support;
using OpenAI;
using OpenAI.Batch;
using OpenAI.Files;

#pragma warning disable OPENAI001 // The batch client is experimental in the SDK; it is exactly what we want to exercise.

namespace BatchAI.Emulator.Tests.OpenAI;

/// <summary>The official OpenAI .NET client, unchanged, pointed at the emulator: it is the judge of our protocol.</summary>
public sealed class OfficialClientTests : IDisposable
{
    private readonly EmulatorHarness _harness = new();
    private readonly OpenAIClient _client;

    public OfficialClientTests()
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri("http://emulator.test/v1"),
            Transport = new HttpClientPipelineTransport(new HttpClient(_harness.Emulator, disposeHandler: false)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        _client = new OpenAIClient(new ApiKeyCredential(EmulatorHarness.ApiKey), options);
    }

    [Fact]
    public async Task UploadsListsAndRetrievesABatchFile()
    {
        var files = _client.GetOpenAIFileClient();
        var content = EmulatorHarness.ChatLine("a", "hello") + "\n";

        OpenAIFile uploaded = await files.UploadFileAsync(BinaryData.FromString(content), "requests.jsonl", FileUploadPurpose.Batch);
        OpenAIFile retrieved = await files.GetFileAsync(uploaded.Id);
        OpenAIFileCollection listed = await files.GetFilesAsync(FilePurpose.Batch);

        Assert.StartsWith("file-", uploaded.Id, StringComparison.Ordinal);
        Assert.Equal("requests.jsonl", uploaded.Filename);
        Assert.Equal(FilePurpose.Batch, uploaded.Purpose);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(content), uploaded.SizeInBytes);
        Assert.Equal(uploaded.Id, retrieved.Id);
        Assert.Equal(_harness.Clock.Now.AddDays(30).ToUnixTimeSeconds(), retrieved.ExpiresAt!.Value.ToUnixTimeSeconds());
        Assert.Contains(listed, f => f.Id == uploaded.Id);
    }

    [Fact]
    public async Task CreatesRetrievesAndCompletesABatchThenDownloadsItsOutput()
    {
        var file = await UploadAsync(EmulatorHarness.ChatLine("first", "Say hi"), EmulatorHarness.ChatLine("second", "Say bye"));
        var batches = _client.GetBatchClient();

        var operation = await batches.CreateBatchAsync(CreateBody(file.Id, new Dictionary<string, string> { ["batchai_job"] = "job-1" }), waitUntilCompleted: false);
        var created = await GetBatchJsonAsync(operation.BatchId);
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));
        await operation.UpdateStatusAsync();
        var completed = await GetBatchJsonAsync(operation.BatchId);

        Assert.Equal("validating", created.GetProperty("status").GetString());
        Assert.Equal("job-1", created.GetProperty("metadata").GetProperty("batchai_job").GetString());
        Assert.True(operation.HasCompleted);
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(2, completed.GetProperty("request_counts").GetProperty("completed").GetInt32());

        BinaryData output = await _client.GetOpenAIFileClient().DownloadFileAsync(completed.GetProperty("output_file_id").GetString()!);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["first", "second"], lines.Select(l => l.GetProperty("custom_id").GetString()).Order());
        Assert.All(lines, l => Assert.StartsWith("[emulated]", l.GetProperty("response").GetProperty("body").GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListsBatchesPageByPageAsTheSdkPaginates()
    {
        var file = await UploadAsync(EmulatorHarness.ChatLine("a", "x"));
        var batches = _client.GetBatchClient();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await batches.CreateBatchAsync(CreateBody(file.Id), waitUntilCompleted: false)).BatchId);
            _harness.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var listed = new List<BatchJob>();
        await foreach (var job in batches.GetBatchesAsync(new BatchCollectionOptions { PageSizeLimit = 2 }))
        {
            listed.Add(job);
        }

        Assert.Equal(Enumerable.Reverse(ids), listed.Select(b => b.Id));
        Assert.All(listed, b => Assert.Equal(file.Id, b.InputFileId));
    }

    [Fact]
    public async Task CancelsARunningBatchAndKeepsItsPartialResults()
    {
        _harness.Options.ProcessingTime = TimeSpan.FromMinutes(10);
        var file = await UploadAsync(Enumerable.Range(1, 10).Select(i => EmulatorHarness.ChatLine("r" + i, "prompt " + i)).ToArray());
        var batches = _client.GetBatchClient();
        var operation = await batches.CreateBatchAsync(CreateBody(file.Id), waitUntilCompleted: false);
        _harness.Clock.Advance(TimeSpan.FromMinutes(5)); // half way through the run

        var cancelling = JsonDocument.Parse((await operation.CancelAsync(options: null)).GetRawResponse().Content).RootElement;
        _harness.Clock.Advance(TimeSpan.FromSeconds(2));
        await operation.UpdateStatusAsync();
        var cancelled = await GetBatchJsonAsync(operation.BatchId);

        Assert.Equal("cancelling", cancelling.GetProperty("status").GetString());
        Assert.True(operation.HasCompleted);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var fileClient = _client.GetOpenAIFileClient();
        var answered = (await fileClient.DownloadFileAsync(cancelled.GetProperty("output_file_id").GetString()!)).Value.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var unrun = (await fileClient.DownloadFileAsync(cancelled.GetProperty("error_file_id").GetString()!)).Value.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, answered.Length + unrun.Length);
        Assert.InRange(answered.Length, 3, 6);
        Assert.All(unrun, l => Assert.Contains("\"batch_cancelled\"", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeletesAFileAndThenReportsItMissing()
    {
        var files = _client.GetOpenAIFileClient();
        var file = await UploadAsync(EmulatorHarness.ChatLine("a", "x"));

        FileDeletionResult deleted = await files.DeleteFileAsync(file.Id);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => files.GetFileAsync(file.Id));

        Assert.True(deleted.Deleted);
        Assert.Equal(file.Id, deleted.FileId);
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task AWrongKeyIsRefusedWithTheProvidersMaskedMessage()
    {
        _harness.Options.RequiredApiKey = "sk-the-right-key-000";
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri("http://emulator.test/v1"),
            Transport = new HttpClientPipelineTransport(new HttpClient(_harness.Emulator, disposeHandler: false)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        var client = new OpenAIClient(new ApiKeyCredential("sk-a-wrong-key-999"), options);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GetOpenAIFileClient().GetFilesAsync());

        Assert.Equal(401, error.Status);
        Assert.Contains("sk-***-999", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-a-wrong-key-999", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _harness.Dispose();

    private static BinaryContent CreateBody(string fileId, Dictionary<string, string>? metadata = null) =>
        BinaryContent.Create(BinaryData.FromObjectAsJson(new Dictionary<string, object?>
        {
            ["input_file_id"] = fileId,
            ["endpoint"] = "/v1/chat/completions",
            ["completion_window"] = "24h",
            ["metadata"] = metadata,
        }));

    private async Task<OpenAIFile> UploadAsync(params string[] lines) =>
        await _client.GetOpenAIFileClient().UploadFileAsync(BinaryData.FromString(string.Join("\n", lines) + "\n"), "batch.jsonl", FileUploadPurpose.Batch);

    private async Task<JsonElement> GetBatchJsonAsync(string batchId)
    {
        ClientResult result = await _client.GetBatchClient().GetBatchAsync(batchId, options: null);
        return JsonDocument.Parse(result.GetRawResponse().Content).RootElement.Clone();
    }
}
