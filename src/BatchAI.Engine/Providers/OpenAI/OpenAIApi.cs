using BatchAI.Hosting;
using BatchAI.Providers.Http;

namespace BatchAI.Providers.OpenAI;

/// <summary>
/// The OpenAI Files and Batches endpoints that BatchAI uses, over the redacting, retrying pipeline. Azure OpenAI
/// speaks the same protocol; its uploads may answer <c>pending</c>, and the file must read <c>processed</c> before a
/// batch can use it.
/// </summary>
internal sealed class OpenAIApi(ProviderHttp http, IClock? clock = null)
{
    private static readonly TimeSpan MaxFileWait = TimeSpan.FromMinutes(10);

    public ProviderHttp Http => http;

    public async Task<string> UploadBatchFileAsync(string path, string filename, CancellationToken cancellationToken)
    {
        string id;
        string? status;
        using (var form = new MultipartFormDataContent("batchai-" + Guid.NewGuid().ToString("N")))
        {
            form.Add(new StringContent("batch"), "purpose");
            form.Add(new FileUploadContent(path, "application/jsonl"), "file", filename);
            using var json = await http.SendJsonAsync(HttpMethod.Post, "files", form, $"Uploading {filename}", cancellationToken).ConfigureAwait(false);
            id = ProviderHttp.Required(json.RootElement, "id", "file upload");
            status = json.RootElement.StringOrNull("status");
        }

        await WaitUntilProcessedAsync(id, status, cancellationToken).ConfigureAwait(false);
        return id;
    }

    public async Task<OpenAIBatch> CreateBatchAsync(string inputFileId, string endpoint, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var content = ProviderHttp.JsonContent(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("input_file_id", inputFileId);
            writer.WriteString("endpoint", endpoint);
            writer.WriteString("completion_window", "24h");
            writer.WriteStartObject("metadata");
            foreach (var pair in metadata)
            {
                writer.WriteString(pair.Key, pair.Value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        using var json = await http.SendJsonAsync(HttpMethod.Post, "batches", content, $"Creating a batch from {inputFileId}", cancellationToken, createsBatch: true).ConfigureAwait(false);
        return OpenAIBatch.Parse(json.RootElement);
    }

    public async Task<OpenAIBatch> GetBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        using var json = await http.SendJsonAsync(HttpMethod.Get, "batches/" + Uri.EscapeDataString(batchId), null, $"Reading batch {batchId}", cancellationToken).ConfigureAwait(false);
        return OpenAIBatch.Parse(json.RootElement);
    }

    /// <summary>
    /// The batches created since <paramref name="since"/> (the list is newest first), page by page, stopping at the
    /// first older one or after <paramref name="maxPages"/> pages.
    /// </summary>
    public async IAsyncEnumerable<(OpenAIBatch Batch, IReadOnlyDictionary<string, string> Metadata)> ListBatchesSinceAsync(DateTimeOffset since, int maxPages, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        for (var page = 0; page < maxPages; page++)
        {
            var path = "batches?limit=100" + (after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after));
            var found = new List<(OpenAIBatch, IReadOnlyDictionary<string, string>)>();
            bool more;
            var older = false;
            using (var json = await http.SendJsonAsync(HttpMethod.Get, path, null, "Listing batches", cancellationToken).ConfigureAwait(false))
            {
                var root = json.RootElement;
                more = root.TryGetProperty("has_more", out var hasMore) && hasMore.ValueKind == System.Text.Json.JsonValueKind.True;
                if (!root.TryGetProperty("data", out var data) || data.ValueKind != System.Text.Json.JsonValueKind.Array)
                {
                    yield break;
                }

                foreach (var item in data.EnumerateArray())
                {
                    var created = item.TryGetProperty("created_at", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.Number ? DateTimeOffset.FromUnixTimeSeconds(c.GetInt64()) : DateTimeOffset.MaxValue;
                    if (created < since)
                    {
                        older = true;
                        break;
                    }

                    var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (item.TryGetProperty("metadata", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Object)
                    {
                        foreach (var pair in m.EnumerateObject().Where(p => p.Value.ValueKind == System.Text.Json.JsonValueKind.String))
                        {
                            metadata[pair.Name] = pair.Value.GetString()!;
                        }
                    }

                    var batch = OpenAIBatch.Parse(item);
                    after = batch.Id;
                    found.Add((batch, metadata));
                }
            }

            foreach (var item in found)
            {
                yield return item;
            }

            if (older || !more)
            {
                yield break;
            }
        }
    }

    public async Task<OpenAIBatch> CancelBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        using var json = await http.SendJsonAsync(HttpMethod.Post, "batches/" + Uri.EscapeDataString(batchId) + "/cancel", null, $"Canceling batch {batchId}", cancellationToken).ConfigureAwait(false);
        return OpenAIBatch.Parse(json.RootElement);
    }

    public Task<bool> DeleteFileAsync(string fileId, CancellationToken cancellationToken) =>
        http.DeleteAsync("files/" + Uri.EscapeDataString(fileId), $"Deleting file {fileId}", cancellationToken);

    /// <summary>The lines of a file, streamed: only the current line is in memory.</summary>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadFileLinesAsync(string fileId, CancellationToken cancellationToken) =>
        http.ReadLinesAsync("files/" + Uri.EscapeDataString(fileId) + "/content", $"Downloading file {fileId}", cancellationToken);

    /// <summary>Azure reports a fresh upload as <c>pending</c> (or <c>uploaded</c>, <c>running</c>) until it has checked it.</summary>
    private async Task WaitUntilProcessedAsync(string fileId, string? status, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        var waited = TimeSpan.Zero;
        while (status is "pending" or "uploaded" or "running")
        {
            if (waited >= MaxFileWait)
            {
                throw new BatchAIException(ErrorKind.Unavailable, "ProviderFileNotReady", $"{http.ProviderName} still reports file {fileId} as '{status}' after {MaxFileWait.TotalMinutes:0} minutes. Run the submit again later: the upload is recorded and will not be repeated.");
            }

            await (clock ?? SystemClock.Instance).Delay(delay, cancellationToken).ConfigureAwait(false);
            waited += delay;
            delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            using var json = await http.SendJsonAsync(HttpMethod.Get, "files/" + Uri.EscapeDataString(fileId), null, $"Reading file {fileId}", cancellationToken).ConfigureAwait(false);
            status = json.RootElement.StringOrNull("status");
        }

        if (status is "error" or "failed" or "deleted" or "deleting")
        {
            throw new BatchAIException(ErrorKind.InvalidInput, "ProviderFileRejected", $"{http.ProviderName} rejected the uploaded file {fileId} (status '{status}').");
        }
    }
}
