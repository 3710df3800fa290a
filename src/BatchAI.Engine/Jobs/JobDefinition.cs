using System.Text.RegularExpressions;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>What a new job is called and where it will run.</summary>
public sealed class JobDefinition
{
    private static readonly Regex NamePattern = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant);

    /// <summary>A name to address the job by instead of its id; names may repeat (the newest job wins).</summary>
    public string? Name { get; set; }

    public ProviderConnection Connection { get; set; } = new();

    /// <summary>What the requests come from, shown with the job (e.g. the input file's name).</summary>
    public string? Input { get; set; }

    /// <summary>
    /// At most this many requests per provider batch (the provider's own limit when null or larger): smaller batches
    /// finish sooner and a failure touches fewer records.
    /// </summary>
    public int? MaxRequestsPerBatch { get; set; }

    /// <summary>
    /// Input tokens to keep in unfinished provider batches at once: the provider's limit on enqueued tokens for your
    /// account and model. Null takes the provider's documented default for its lowest tier; 0 sets no limit. A job
    /// over it is submitted a share at a time, and waiting submits more as earlier batches finish.
    /// </summary>
    public long? MaxQueuedTokens { get; set; }

    /// <summary>Requests to keep in unfinished provider batches at once (Anthropic's processing queue). Null takes the provider's default; 0 sets no limit.</summary>
    public long? MaxQueuedRequests { get; set; }

    /// <summary>
    /// Keep the input and output files at the provider once the results are safe in the ledger. By default they are
    /// deleted, so storage quotas (Azure counts files per resource) do not fill up.
    /// </summary>
    public bool KeepProviderFiles { get; set; }

    /// <summary>
    /// Leave invalid records out and submit the rest, listing each left-out record (row, field, reason) in the job's
    /// <c>skipped.jsonl</c>. By default one invalid record stops the whole job: nothing is sent.
    /// </summary>
    public bool SkipInvalidRecords { get; set; }

    /// <summary>
    /// A pilot: submit only the first this-many records; the rest of the job is prepared and held until it is
    /// released (batchai release, Resume-AIBatch -Release) after a person has looked at the pilot's results.
    /// </summary>
    public long? PilotSize { get; set; }

    /// <summary>Submit even when the estimated cost passes the store's spending cap.</summary>
    public bool IgnoreSpendingCap { get; set; }

    /// <summary>
    /// When the results are needed by. Near it, the records still unfinished (or expired) can be run through the
    /// real-time lane (batchai fallback, Resume-AIBatch -Fallback), at full price.
    /// </summary>
    public DateTimeOffset? Deadline { get; set; }

    /// <summary>
    /// Prepare everything up to the upload (requests, provider batch files, ledger) and send nothing: the job waits in
    /// the store, where its files can be read, until it is resumed (batchai resume, Resume-AIBatch). Needs no API key.
    /// </summary>
    public bool DryRun { get; set; }

    internal void Validate()
    {
        if (Name is not null && (!NamePattern.IsMatch(Name) || Name.StartsWith("job-", StringComparison.OrdinalIgnoreCase)))
        {
            throw BatchAIException.InvalidInput("JobNameInvalid", $"'{Name}' cannot name a job: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, and not starting with 'job-' (that is how job ids start).");
        }

        if (PilotSize is < 1)
        {
            throw BatchAIException.InvalidInput("PilotSizeInvalid", $"A pilot needs at least one record, not {PilotSize}.");
        }

        if (MaxQueuedTokens is < 0 || MaxQueuedRequests is < 0)
        {
            throw BatchAIException.InvalidInput("QueueLimitInvalid", "A queue limit is a number of tokens or requests, 0 for none; it cannot be negative.");
        }

        if (MaxRequestsPerBatch is < 1)
        {
            throw BatchAIException.InvalidInput("BatchSizeInvalid", $"A batch must hold at least one request, not {MaxRequestsPerBatch}.");
        }

        var baseUrl = Connection.ResolveBaseUrl();
        if (!string.IsNullOrEmpty(baseUrl.UserInfo) || baseUrl.Query.Length > 0)
        {
            // The base URL is stored in the ledger; anything that could be a credential must not be.
            throw BatchAIException.InvalidInput("BaseUrlInvalid", "The base URL must not contain a user name, password or query string; give keys with -ApiKey / --api-key or the environment.");
        }
    }
}
