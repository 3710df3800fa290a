namespace BatchAI.Emulator.OpenAI;

/// <summary>
/// What differs between OpenAI's Batch API and Azure OpenAI's implementation of the same protocol: authentication
/// (<c>api-key</c> header), endpoint spellings (<c>/chat/completions</c> and <c>/v1/chat/completions</c>), 100,000
/// requests per file, one deployment per file, the file-expiry range, a <c>pending</c> file right after upload, and
/// content-filter results in every answer.
/// </summary>
internal sealed class OpenAIFlavor
{
    public static readonly OpenAIFlavor OpenAI = new()
    {
        Name = "OpenAI",
        MaxRequests = 50_000,
        MinFileExpirySeconds = 3600,
    };

    public static readonly OpenAIFlavor Azure = new()
    {
        Name = "Azure OpenAI",
        MaxRequests = 100_000,
        MinFileExpirySeconds = 1_209_600,
        AcceptsApiKeyHeader = true,
        OneModelPerFile = true,
        NewFilesPending = true,
        ContentFilterResults = true,
        EndpointsWithoutVersion = true,
    };

    public string Name { get; private init; } = string.Empty;

    public int MaxRequests { get; private init; }

    public long MinFileExpirySeconds { get; private init; }

    /// <summary>Azure: <c>api-key: &lt;key&gt;</c> as well as <c>Authorization: Bearer</c>.</summary>
    public bool AcceptsApiKeyHeader { get; private init; }

    /// <summary>Azure: every line must name the same deployment (else the batch fails with <c>model_mismatch</c>).</summary>
    public bool OneModelPerFile { get; private init; }

    /// <summary>Azure: an upload answers <c>"status": "pending"</c>; the file reads <c>processed</c> afterwards.</summary>
    public bool NewFilesPending { get; private init; }

    public bool ContentFilterResults { get; private init; }

    /// <summary>Azure: <c>/chat/completions</c> names the same endpoint as <c>/v1/chat/completions</c>.</summary>
    public bool EndpointsWithoutVersion { get; private init; }

    /// <summary>Azure writes the endpoint with or without the <c>/v1</c> prefix; both name the same endpoint.</summary>
    public string Normalize(string endpoint) =>
        EndpointsWithoutVersion && !endpoint.StartsWith("/v1/", StringComparison.Ordinal) && endpoint.StartsWith("/", StringComparison.Ordinal) ? "/v1" + endpoint : endpoint;
}
