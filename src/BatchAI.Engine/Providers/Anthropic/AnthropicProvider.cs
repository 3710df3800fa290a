using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BatchAI.Providers.Http;
using BatchAI.IO;
using BatchAI.Requests;

namespace BatchAI.Providers.Anthropic;

/// <summary>
/// Anthropic's Message Batches API: a part's lines are <c>{"custom_id", "params"}</c> items, sent as the
/// <c>requests</c> array of one create call (streamed from disk; there is no file upload), followed through
/// <c>processing_status</c>, and read back from the results file at the batch's absolute <c>results_url</c>.
/// </summary>
internal sealed class AnthropicProvider(ProviderHttp http, IDisposable? owned = null) : IBatchProvider
{
    /// <summary>
    /// The Messages API requires <c>max_tokens</c>; without <c>-MaxTokens</c> this many are allowed, which every current
    /// model can produce, so answers are not cut short by a limit the user never set.
    /// </summary>
    public const int DefaultMaxTokens = 4096;

    private const string Batches = "v1/messages/batches";

    /// <summary>100,000 requests or 256 MB per batch, whichever comes first (the body's wrapper stays under the bytes).</summary>
    /// <summary>100,000 requests or 256 MB a batch; 100,000 requests in the processing queue at once (Tier 1, the lowest).</summary>
    public static readonly ProviderLimits DefaultLimits = new(100_000, 256_000_000) { MaxQueuedRequests = 100_000 };

    public ProviderKind Kind => ProviderKind.Anthropic;

    public ProviderLimits Limits { get; init; } = DefaultLimits;

    /// <summary>The Messages API takes a temperature from 0 to 1 (OpenAI and Gemini go to 2).</summary>
    public RecordProblem? Check(BatchRequest request) =>
        request.Temperature is > 1
            ? RecordProblem.For(request.Source, "Temperature", "TemperatureOutOfRange", string.Format(CultureInfo.InvariantCulture, "Anthropic takes a temperature from 0 to 1; {0} was given", request.Temperature))
            : null;

    public void WriteRequestLine(JsonLine line, BatchRequest request)
    {
        line.StartObject();
        line.Text(Names.CustomId, request.CustomId);
        line.StartObject(Names.Params);
        line.Text(Names.Model, request.Model);
        line.Number(Names.MaxTokens, request.MaxOutputTokens ?? DefaultMaxTokens);
        if (request.SystemPrompt is { } system)
        {
            line.Text(Names.System, system);
        }

        line.StartArray(Names.Messages);
        line.StartObject();
        line.Text(Names.Role, "user");
        line.Text(Names.Content, request.Prompt);
        line.EndObject();
        line.EndArray();
        if (request.Temperature is { } temperature)
        {
            line.Number(Names.Temperature, temperature);
        }

        if (request.Schema is { } schema)
        {
            // Structured outputs, generally available: output_config.format (no beta header).
            line.StartObject(Names.OutputConfig);
            line.StartObject(Names.Format);
            line.Text(Names.Type, "json_schema");
            line.Raw(Names.Schema, schema.Json);
            line.EndObject();
            line.EndObject();
        }

        line.EndObject();
        line.EndObject();
    }

    /// <summary>The request line's property names, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonName CustomId = JsonName.Of("custom_id");
        public static readonly JsonName Params = JsonName.Of("params");
        public static readonly JsonName Model = JsonName.Of("model");
        public static readonly JsonName MaxTokens = JsonName.Of("max_tokens");
        public static readonly JsonName System = JsonName.Of("system");
        public static readonly JsonName Messages = JsonName.Of("messages");
        public static readonly JsonName Role = JsonName.Of("role");
        public static readonly JsonName Content = JsonName.Of("content");
        public static readonly JsonName Temperature = JsonName.Of("temperature");
        public static readonly JsonName OutputConfig = JsonName.Of("output_config");
        public static readonly JsonName Format = JsonName.Of("format");
        public static readonly JsonName Type = JsonName.Of("type");
        public static readonly JsonName Schema = JsonName.Of("schema");
    }

    public async Task<RemoteBatch> SubmitAsync(PartSubmission part, Action<string> onUploaded, CancellationToken cancellationToken)
    {
        var content = new JsonArrayFileContent(part.FilePath, "{\"requests\":[", "]}");
        using var json = await http.SendJsonAsync(HttpMethod.Post, Batches, content, $"Creating a message batch from part {part.PartIndex} of job {part.JobId}", cancellationToken, createsBatch: true).ConfigureAwait(false);
        return AnthropicBatch.ToRemote(json.RootElement);
    }

    /// <summary>Message Batches carry no metadata or name, so a batch created just before an interruption cannot be told apart.</summary>
    public bool CanFindSubmitted => false;

    public Task<RemoteBatch?> FindSubmittedAsync(PartSubmission part, DateTimeOffset since, CancellationToken cancellationToken) =>
        Task.FromResult<RemoteBatch?>(null);

    /// <summary>
    /// Message Batches use no files: the requests go in the create call and the results stay with the batch (29 days).
    /// The batch itself is not deleted, so it stays visible in the Console.
    /// </summary>
    public Task<int> DeleteFilesAsync(RemoteBatch batch, string? inputFileId, CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary><c>POST /v1/messages/count_tokens</c> with the request's model, messages and system prompt.</summary>
    public Task<long> CountTokensAsync(BatchRequest request, CancellationToken cancellationToken) =>
        SyncCall.CountAsync(http, "v1/messages/count_tokens", SyncCall.Pick(SyncCall.Body(this, request, "params"), ("model", "model"), ("messages", "messages"), ("system", "system")), "input_tokens", $"Counting the tokens of {request.CustomId}", cancellationToken);

    /// <summary><c>POST /v1/messages</c>, read as the batch result line it would have been.</summary>
    public async Task<ResultLine> SendNowAsync(BatchRequest request, CancellationToken cancellationToken)
    {
        var (status, json, _) = await SyncCall.PostAsync(http, "v1/messages", SyncCall.Body(this, request, "params"), $"Calling Anthropic for {request.CustomId}", cancellationToken).ConfigureAwait(false);
        var result = status == 200
            ? "{\"type\":\"succeeded\",\"message\":" + json + "}"
            : "{\"type\":\"errored\",\"error\":" + json + "}";
        return AnthropicResultParser.Parse(Encoding.UTF8.GetBytes("{\"custom_id\":" + SyncCall.Quote(request.CustomId) + ",\"result\":" + result + "}"), SyncCall.BatchId);
    }

    public async Task<RemoteBatch> GetAsync(string batchId, CancellationToken cancellationToken)
    {
        using var json = await http.SendJsonAsync(HttpMethod.Get, Batches + "/" + Uri.EscapeDataString(batchId), null, $"Reading message batch {batchId}", cancellationToken).ConfigureAwait(false);
        return AnthropicBatch.ToRemote(json.RootElement);
    }

    public async Task<RemoteBatch> CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        using var json = await http.SendJsonAsync(HttpMethod.Post, Batches + "/" + Uri.EscapeDataString(batchId) + "/cancel", null, $"Canceling message batch {batchId}", cancellationToken).ConfigureAwait(false);
        return AnthropicBatch.ToRemote(json.RootElement);
    }

    /// <summary>The results file, from the <c>results_url</c> the batch gave (its path "should not be assumed").</summary>
    public async IAsyncEnumerable<ResultLine> ReadResultsAsync(RemoteBatch batch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var url = batch.ResultLocations.TryGetValue(AnthropicBatch.ResultsUrl, out var given) ? given : Batches + "/" + Uri.EscapeDataString(batch.Id) + "/results";
        await foreach (var line in http.ReadLinesAsync(url, $"Downloading the results of message batch {batch.Id}", cancellationToken).ConfigureAwait(false))
        {
            yield return AnthropicResultParser.Parse(line, batch.Id);
        }
    }

    public void Dispose() => owned?.Dispose();
}
