using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BatchAI.Providers.Http;
using BatchAI.IO;
using BatchAI.Requests;

namespace BatchAI.Providers.OpenAI;

/// <summary>
/// OpenAI's Batch API: requests become <c>/v1/chat/completions</c> lines, a part is uploaded to <c>/v1/files</c>
/// and run as one batch with a 24-hour completion window, and results stream back from its output and error files.
/// Azure OpenAI runs the same protocol (the model being a deployment name), as do OpenAI-compatible servers.
/// </summary>
internal sealed class OpenAIProvider(OpenAIApi api, IDisposable? owned = null, ProviderKind kind = ProviderKind.OpenAI, string endpoint = OpenAIProvider.DefaultEndpoint) : IBatchProvider
{
    public const string DefaultEndpoint = "/v1/chat/completions";

    /// <summary>Azure's dated API versions name the endpoint without the version prefix.</summary>
    public const string AzureDatedEndpoint = "/chat/completions";

    /// <summary>
    /// 50,000 requests and 200 MB per batch (OpenAI's limits; 200 MB read as 200,000,000 bytes to be safe); 2,000,000
    /// enqueued tokens, the documented limit for gpt-4o-mini at a low usage tier (higher tiers allow far more).
    /// </summary>
    public static readonly ProviderLimits DefaultLimits = new(50_000, 200_000_000) { MaxQueuedTokens = 2_000_000 };

    /// <summary>Azure OpenAI: 100,000 requests and 200 MB per file; 200,000,000 enqueued tokens (the default quota for gpt-4o; gpt-4o-mini has 1,000,000,000).</summary>
    public static readonly ProviderLimits AzureLimits = new(100_000, 200_000_000) { MaxQueuedTokens = 200_000_000 };

    public ProviderKind Kind => kind;

    public string Endpoint => endpoint;

    public ProviderLimits Limits { get; init; } = DefaultLimits;

    public RecordProblem? Check(BatchRequest request) => null;

    public void WriteRequestLine(JsonLine line, BatchRequest request)
    {
        line.StartObject();
        line.Text(Names.CustomId, request.CustomId);
        line.Text(Names.Method, "POST");
        line.Text(Names.Url, Endpoint);
        line.StartObject(Names.Body);
        line.Text(Names.Model, request.Model);
        line.StartArray(Names.Messages);
        if (request.SystemPrompt is { } system)
        {
            WriteMessage(line, "system", system);
        }

        WriteMessage(line, "user", request.Prompt);
        line.EndArray();
        if (request.MaxOutputTokens is { } maxTokens)
        {
            line.Number(Names.MaxCompletionTokens, maxTokens);
        }

        if (request.Temperature is { } temperature)
        {
            line.Number(Names.Temperature, temperature);
        }

        if (request.Schema is { } schema)
        {
            line.StartObject(Names.ResponseFormat);
            line.Text(Names.Type, "json_schema");
            line.StartObject(Names.JsonSchema);
            line.Text(Names.Name, schema.Name);
            line.Boolean(Names.Strict, true);
            line.Raw(Names.Schema, schema.Json);
            line.EndObject();
            line.EndObject();
        }

        line.EndObject();
        line.EndObject();
    }

    public async Task<RemoteBatch> SubmitAsync(PartSubmission part, Action<string> onUploaded, CancellationToken cancellationToken)
    {
        var fileId = part.UploadedFileId;
        if (fileId is null)
        {
            var filename = string.Format(CultureInfo.InvariantCulture, "{0}-part-{1:0000}.jsonl", part.JobId, part.PartIndex);
            fileId = await api.UploadBatchFileAsync(part.FilePath, filename, cancellationToken).ConfigureAwait(false);
            onUploaded(fileId);
        }

        var batch = await api.CreateBatchAsync(fileId, Endpoint, Metadata(part), cancellationToken).ConfigureAwait(false);
        return batch.ToRemote();
    }

    public bool CanFindSubmitted => true;

    /// <summary>Finds the batch by the <c>batchai_job</c> and <c>batchai_part</c> metadata every submit sets.</summary>
    public async Task<RemoteBatch?> FindSubmittedAsync(PartSubmission part, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var partPrefix = part.PartIndex.ToString(CultureInfo.InvariantCulture) + "/";
        await foreach (var (batch, metadata) in api.ListBatchesSinceAsync(since, maxPages: 20, cancellationToken).ConfigureAwait(false))
        {
            if (metadata.TryGetValue("batchai_job", out var job) && job == part.JobId
                && metadata.TryGetValue("batchai_part", out var index) && index.StartsWith(partPrefix, StringComparison.Ordinal))
            {
                return batch.ToRemote();
            }
        }

        return null;
    }

    public async Task<RemoteBatch> GetAsync(string batchId, CancellationToken cancellationToken) =>
        (await api.GetBatchAsync(batchId, cancellationToken).ConfigureAwait(false)).ToRemote();

    public async Task<RemoteBatch> CancelAsync(string batchId, CancellationToken cancellationToken) =>
        (await api.CancelBatchAsync(batchId, cancellationToken).ConfigureAwait(false)).ToRemote();

    /// <summary>The uploaded input file and the output and error files (Azure counts them against a per-resource quota).</summary>
    public async Task<int> DeleteFilesAsync(RemoteBatch batch, string? inputFileId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var fileId in new[] { inputFileId }.Concat(batch.ResultLocations.Values).Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal))
        {
            if (await api.DeleteFileAsync(fileId!, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary><c>POST chat/completions</c>, read as the batch output line it would have been.</summary>
    public async Task<ResultLine> SendNowAsync(BatchRequest request, CancellationToken cancellationToken)
    {
        if (endpoint == AzureDatedEndpoint)
        {
            throw BatchAIException.InvalidInput("RealtimeNeedsV1Routes", "The real-time lane calls Azure OpenAI's v1 routes: leave the dated API version out.");
        }

        var (status, json, requestId) = await SyncCall.PostAsync(api.Http, "chat/completions", SyncCall.Body(this, request, "body"), $"Calling {kind} for {request.CustomId}", cancellationToken).ConfigureAwait(false);
        var line = "{\"custom_id\":" + SyncCall.Quote(request.CustomId) + ",\"response\":{\"status_code\":" + status.ToString(CultureInfo.InvariantCulture) + (requestId is null ? string.Empty : ",\"request_id\":" + SyncCall.Quote(requestId)) + ",\"body\":" + json + "},\"error\":null}";
        return OpenAIResultParser.Parse(Encoding.UTF8.GetBytes(line), SyncCall.BatchId);
    }

    /// <summary><c>POST responses/input_tokens</c> with the system prompt as <c>instructions</c> and the prompt as <c>input</c>.</summary>
    public Task<long> CountTokensAsync(BatchRequest request, CancellationToken cancellationToken)
    {
        var body = "{\"model\":" + SyncCall.Quote(request.Model) + ",\"input\":" + SyncCall.Quote(request.Prompt)
            + (request.SystemPrompt is { } system ? ",\"instructions\":" + SyncCall.Quote(system) : string.Empty) + "}";
        return SyncCall.CountAsync(api.Http, "responses/input_tokens", body, "input_tokens", $"Counting the tokens of {request.CustomId}", cancellationToken);
    }

    public async IAsyncEnumerable<ResultLine> ReadResultsAsync(RemoteBatch batch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var location in new[] { "output_file_id", "error_file_id" })
        {
            if (!batch.ResultLocations.TryGetValue(location, out var fileId))
            {
                continue;
            }

            await foreach (var line in api.ReadFileLinesAsync(fileId, cancellationToken).ConfigureAwait(false))
            {
                yield return OpenAIResultParser.Parse(line, batch.Id);
            }
        }
    }

    public void Dispose() => owned?.Dispose();

    /// <summary>Names our job on the provider's side, so a batch can be traced back to it (and found after a crash).</summary>
    internal static Dictionary<string, string> Metadata(PartSubmission part)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["batchai_job"] = part.JobId,
            ["batchai_part"] = string.Format(CultureInfo.InvariantCulture, "{0}/{1}", part.PartIndex, part.PartCount),
        };
        if (!string.IsNullOrEmpty(part.JobName))
        {
            metadata["batchai_name"] = part.JobName!.Length <= 512 ? part.JobName : part.JobName.Substring(0, 512);
        }

        return metadata;
    }

    private static void WriteMessage(JsonLine line, string role, string content)
    {
        line.StartObject();
        line.Text(Names.Role, role);
        line.Text(Names.Content, content);
        line.EndObject();
    }

    /// <summary>The request line's property names, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonName CustomId = JsonName.Of("custom_id");
        public static readonly JsonName Method = JsonName.Of("method");
        public static readonly JsonName Url = JsonName.Of("url");
        public static readonly JsonName Body = JsonName.Of("body");
        public static readonly JsonName Model = JsonName.Of("model");
        public static readonly JsonName Messages = JsonName.Of("messages");
        public static readonly JsonName Role = JsonName.Of("role");
        public static readonly JsonName Content = JsonName.Of("content");
        public static readonly JsonName MaxCompletionTokens = JsonName.Of("max_completion_tokens");
        public static readonly JsonName Temperature = JsonName.Of("temperature");
        public static readonly JsonName ResponseFormat = JsonName.Of("response_format");
        public static readonly JsonName Type = JsonName.Of("type");
        public static readonly JsonName JsonSchema = JsonName.Of("json_schema");
        public static readonly JsonName Name = JsonName.Of("name");
        public static readonly JsonName Strict = JsonName.Of("strict");
        public static readonly JsonName Schema = JsonName.Of("schema");
    }
}
