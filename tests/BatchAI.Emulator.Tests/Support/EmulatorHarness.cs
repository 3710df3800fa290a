using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BatchAI.Emulator.Tests.Support;

/// <summary>An in-process emulator with its own state folder and clock, and raw HTTP helpers for its OpenAI endpoints.</summary>
internal sealed class EmulatorHarness : IDisposable
{
    public const string ApiKey = "sk-test-key-0123456789";

    public EmulatorHarness(Action<EmulatorOptions>? configure = null, string? stateDirectory = null)
    {
        StateDirectory = stateDirectory ?? Path.Combine(Path.GetTempPath(), "batchai-emulator-tests", Guid.NewGuid().ToString("N"));
        OwnsState = stateDirectory is null;
        Options = new EmulatorOptions { StateDirectory = StateDirectory, Clock = () => Clock.Now, ProcessingTime = TimeSpan.FromSeconds(10) };
        configure?.Invoke(Options);
        Emulator = new ProviderEmulator(Options);
        Http = new HttpClient(Emulator, disposeHandler: false) { BaseAddress = new Uri("http://emulator.test/v1/") };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public TestClock Clock { get; } = new();

    public EmulatorOptions Options { get; }

    public ProviderEmulator Emulator { get; }

    public HttpClient Http { get; }

    public string StateDirectory { get; }

    private bool OwnsState { get; }

    public static string ChatLine(string customId, string prompt, string model = "gpt-4o-mini", string? extraBody = null)
    {
        var body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + JsonSerializer.Serialize(prompt) + "}]"
            + (extraBody is null ? string.Empty : "," + extraBody) + "}";
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" + body + "}";
    }

    /// <summary>
    /// Any call to any of the emulated providers, authenticated with <see cref="ApiKey"/> as a bearer token plus the
    /// given headers: its status, its JSON body and its Retry-After header.
    /// </summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body, string? RetryAfter)> CallAsync(HttpMethod method, string path, string? json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, "http://emulator.test" + path) { Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + ApiKey);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var invoker = new HttpMessageInvoker(Emulator, disposeHandler: false);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        var text = await response.Content.ReadAsStringAsync();
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.First() : null;
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), retryAfter);
    }

    public async Task<JsonElement> UploadAsync(string jsonl, string filename = "input.jsonl", string purpose = "batch")
    {
        using var response = await SendUploadAsync(jsonl, filename, purpose);
        return await ReadOkAsync(response);
    }

    public async Task<HttpResponseMessage> SendUploadAsync(string jsonl, string filename = "input.jsonl", string purpose = "batch")
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(purpose), "purpose");
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl)), "file", filename);
        return await Http.PostAsync("files", form);
    }

    public async Task<JsonElement> CreateBatchAsync(string inputFileId, string? metadataJson = null)
    {
        using var response = await SendCreateBatchAsync($$"""{"input_file_id":"{{inputFileId}}","endpoint":"/v1/chat/completions","completion_window":"24h"{{(metadataJson is null ? string.Empty : ",\"metadata\":" + metadataJson)}}}""");
        return await ReadOkAsync(response);
    }

    public Task<HttpResponseMessage> SendCreateBatchAsync(string json) =>
        Http.PostAsync("batches", new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<JsonElement> SubmitAsync(params string[] lines)
    {
        var file = await UploadAsync(string.Join("\n", lines) + "\n");
        return await CreateBatchAsync(file.GetProperty("id").GetString()!);
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        return await ReadOkAsync(response);
    }

    public async Task<JsonElement> PostJsonAsync(string path)
    {
        using var response = await Http.PostAsync(path, null);
        return await ReadOkAsync(response);
    }

    /// <summary>The lines of a file, each parsed.</summary>
    public async Task<List<JsonElement>> DownloadLinesAsync(string fileId)
    {
        var text = await Http.GetStringAsync($"files/{fileId}/content");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    public static async Task<JsonElement> ReadOkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response, int expectedStatus)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(expectedStatus, (int)response.StatusCode);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
        // OpenAI's ErrorResponse: all four fields are required (code and param nullable).
        foreach (var field in new[] { "message", "type", "param", "code" })
        {
            Assert.True(error.TryGetProperty(field, out _), $"error.{field} is missing: {body}");
        }

        return error;
    }

    public void Dispose()
    {
        Http.Dispose();
        Emulator.Dispose();
        if (OwnsState)
        {
            try
            {
                Directory.Delete(StateDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a failing test must keep its own message.
            }
        }
    }
}
