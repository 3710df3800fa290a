using BatchAI.Requests;

namespace BatchAI.Providers;

/// <summary>
/// One provider's batch API: how a neutral request is written as its request line, what one batch may hold, and the
/// calls to submit, follow, cancel and read back a batch. Adding a provider means adding one implementation.
/// </summary>
internal interface IBatchProvider : IDisposable
{
    ProviderKind Kind { get; }

    ProviderLimits Limits { get; }

    /// <summary>
    /// What this provider would refuse in <paramref name="request"/> that is valid elsewhere (Anthropic takes a
    /// temperature up to 1, the others up to 2), found before anything is sent; null when there is nothing.
    /// </summary>
    RecordProblem? Check(BatchRequest request);

    /// <summary>Writes <paramref name="request"/> as one line of this provider's batch input (without the newline).</summary>
    void WriteRequestLine(IO.JsonLine line, BatchRequest request);

    /// <param name="onUploaded">Called with the id of the uploaded input, before the batch is created, so a crash in
    /// between does not cost a second upload.</param>
    Task<RemoteBatch> SubmitAsync(PartSubmission part, Action<string> onUploaded, CancellationToken cancellationToken);

    /// <summary>
    /// Looks for the batch a submit of <paramref name="part"/> may have created before it was interrupted (after the
    /// create call went out, before the ledger recorded its answer), among batches created since
    /// <paramref name="since"/>. Null when there is none, or when the provider offers no way to tell
    /// (<see cref="CanFindSubmitted"/> is false).
    /// </summary>
    Task<RemoteBatch?> FindSubmittedAsync(PartSubmission part, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Whether the provider's batches carry a mark (metadata, a display name) that finds them again.</summary>
    bool CanFindSubmitted { get; }

    Task<RemoteBatch> GetAsync(string batchId, CancellationToken cancellationToken);

    Task<RemoteBatch> CancelAsync(string batchId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes at the provider the files uploaded for a batch (<paramref name="inputFileId"/>) and those it produced,
    /// once its results are safe in the ledger, so storage quotas do not fill up. Files already gone count as deleted.
    /// Returns how many were deleted.
    /// </summary>
    Task<int> DeleteFilesAsync(RemoteBatch batch, string? inputFileId, CancellationToken cancellationToken);

    /// <summary>
    /// Sends one request to the provider's synchronous endpoint (the real-time lane): the same request a batch would
    /// carry, its answer read as a batch result would be. A request the provider refuses is a failed result, not an
    /// exception; only a refused key throws.
    /// </summary>
    Task<ResultLine> SendNowAsync(BatchRequest request, CancellationToken cancellationToken);

    /// <summary>The input tokens the provider's own count-tokens endpoint gives for <paramref name="request"/>.</summary>
    Task<long> CountTokensAsync(BatchRequest request, CancellationToken cancellationToken);

    /// <summary>Streams the results of a finished batch, one line at a time.</summary>
    IAsyncEnumerable<ResultLine> ReadResultsAsync(RemoteBatch batch, CancellationToken cancellationToken);
}
