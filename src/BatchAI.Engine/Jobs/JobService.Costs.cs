using BatchAI.Hosting;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>What jobs cost and would cost, the spending caps, token counts, and the real-time lane.</summary>
public sealed partial class JobService
{
    /// <summary>
    /// The usage the provider reported for a job, per model, from the ledger (no provider calls): every attempt's
    /// tokens, since every attempt that ran was billed; <see cref="Costs.CostInputs.Requests"/> counts each record
    /// once. Records whose batches have not returned yet are not counted.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Costs.CostInputs>> ActualUsage(string idOrName)
    {
        var ledger = Resolve(idOrName);
        var manifest = ledger.Load();
        // Batch parts only: records a deadline fallback ran in real time were paid at real-time prices (see FallbackAsync).
        var modelOf = manifest.Parts.Where(p => p.BatchId is not null && !p.Realtime).GroupBy(p => p.BatchId!).ToDictionary(g => g.Key, g => g.First().Model, StringComparer.Ordinal);
        var byModel = new Dictionary<string, Costs.CostInputs>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in manifest.Models)
        {
            byModel[model] = new Costs.CostInputs { Basis = "actual", TokensExact = true };
        }

        var counted = new CustomIdMap();
        if (File.Exists(ledger.ResultsPath))
        {
            using var stream = new FileStream(ledger.ResultsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
            foreach (var text in IO.LineFiles.View(stream, includeUnterminatedLast: false).Where(l => l.Bytes.Length > 0))
            {
                var line = ResultFile.Parse(text.Bytes);
                if (line.BatchId is null || !modelOf.TryGetValue(line.BatchId, out var model) || !byModel.TryGetValue(model, out var totals))
                {
                    continue;
                }

                if (line.InputTokens is null && line.OutputTokens is null)
                {
                    continue; // never ran (expired, canceled): nothing billed
                }

                if (counted.TryAdd(line.CustomId, 0, out _))
                {
                    totals.Requests++;
                }

                totals.InputTokens += line.InputTokens ?? 0;
                totals.CachedInputTokens += line.CachedInputTokens ?? 0;
                totals.OutputTokens += line.OutputTokens ?? 0;
            }
        }

        return byModel.ToList();
    }

    /// <summary>
    /// The real-time lane: sends each request to the provider's synchronous endpoint (bounded concurrency, within the
    /// per-minute limits, retried on 429 and 5xx) and hands back results in input order, in the shape a batch's have.
    /// Nothing goes to the job store.
    /// </summary>
    public async Task<Realtime.RealtimeSummary> RunRealtimeAsync(ProviderConnection connection, IEnumerable<Requests.BatchRequest> requests, Realtime.RealtimeOptions options, Action<BatchResult> onResult, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (connection is null || requests is null || options is null || onResult is null)
        {
            throw new ArgumentNullException(connection is null ? nameof(connection) : requests is null ? nameof(requests) : options is null ? nameof(options) : nameof(onResult));
        }

        var counters = _options.Counters ?? new Providers.Http.HttpCounters();
        using var provider = CreateProvider(connection, reporter ?? NullReporter.Instance, counters);
        return await Realtime.RealtimeLane.RunAsync(provider, counters, requests, options, onResult, Clock, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The job's report from the ledger (no provider calls), its costs priced with <paramref name="prices"/>.</summary>
    public JobReport Report(string idOrName, Costs.PriceTable prices)
    {
        if (prices is null)
        {
            throw new ArgumentNullException(nameof(prices));
        }

        var ledger = Resolve(idOrName);
        var manifest = ledger.Load();
        var counts = new RecordCounts();
        var causes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var record in JobRecords.Read(ledger, manifest))
        {
            counts.Add(record.State);
            counts.Retryable += record.CanRetry ? 1 : 0;
            if (record.State is RecordState.Failed or RecordState.Expired or RecordState.Canceled)
            {
                var cause = record.Result?.ErrorCode ?? record.State.ToString().ToLowerInvariant();
                causes[cause] = causes.TryGetValue(cause, out var n) ? n + 1 : 1;
            }
        }

        var started = manifest.Parts.Where(p => p.SubmittedAt is not null).Select(p => p.SubmittedAt!.Value).DefaultIfEmpty(manifest.CreatedAt).Min();
        var ended = manifest.Parts.All(p => p.State.IsFinal() || p.Held) && manifest.Parts.Any(p => p.FinishedAt is not null)
            ? manifest.Parts.Where(p => p.FinishedAt is not null).Max(p => p.FinishedAt!.Value)
            : Clock.UtcNow;
        return new JobReport
        {
            JobId = manifest.Id,
            Name = manifest.Name,
            Records = manifest.RequestCount,
            WallTime = ended - started,
            Batches = manifest.Parts.Count,
            Attempts = manifest.Parts.Max(p => p.Attempt),
            Resubmitted = manifest.Parts.Where(p => p.Attempt > 1).Sum(p => (long)p.Requests),
            Counts = counts,
            FailuresByCause = causes,
            Costs = ActualUsage(idOrName).Select(u => Costs.CostCalculator.Compare(prices.Find(u.Key), u.Value)).ToList(),
        };
    }

    /// <summary>
    /// Input tokens for each request, from the provider's own count-tokens endpoint (OpenAI's responses/input_tokens,
    /// Anthropic's messages/count_tokens, Gemini's countTokens): one call per request, so for a sample, not a million.
    /// </summary>
    /// <summary>
    /// What a file of records would use, read once and never held: each record made into its request as submit makes
    /// it, its input tokens estimated offline or, with <paramref name="countWith"/>, counted by the provider's own
    /// endpoint (one call per record). Bad records are reported (row, field) and refuse the whole estimate, as they
    /// would refuse the submit.
    /// </summary>
    /// <param name="outputTokensPerRequest">The expected answer length; null for each request's MaxOutputTokens.</param>
    public async Task<IReadOnlyList<KeyValuePair<string, Costs.CostInputs>>> PlanAsync(Requests.IRecordSource records, Requests.RequestOptions options, long? outputTokensPerRequest, ProviderConnection? countWith, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (records is null || options is null)
        {
            throw new ArgumentNullException(records is null ? nameof(records) : nameof(options));
        }

        reporter ??= NullReporter.Instance;
        var factory = RecordSubmission.Factory(records, options);
        var planner = new Costs.CostPlanner(outputTokensPerRequest);
        var problems = new RecordProblemTally(reporter);
        using var counter = countWith is null ? null : CreateProvider(countWith, reporter);
        foreach (var item in records.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var built = item.Record is null ? null : factory.Build(item.Record);
            foreach (var problem in item.Problem is { } unreadable ? [unreadable] : built!.Problems)
            {
                problems.Add(problem);
            }

            if (built?.Request is { } request && problems.Count == 0)
            {
                planner.Add(request, counter is null ? null : await counter.CountTokensAsync(request, cancellationToken).ConfigureAwait(false));
            }
        }

        problems.ThrowIfAny();
        return planner.Totals;
    }

    public async Task<IReadOnlyList<long>> CountTokensAsync(ProviderConnection connection, IReadOnlyList<Requests.BatchRequest> requests, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (connection is null || requests is null)
        {
            throw new ArgumentNullException(connection is null ? nameof(connection) : nameof(requests));
        }

        using var provider = CreateProvider(connection, reporter ?? NullReporter.Instance);
        var counts = new List<long>(requests.Count);
        foreach (var request in requests)
        {
            counts.Add(await provider.CountTokensAsync(request, cancellationToken).ConfigureAwait(false));
        }

        return counts;
    }

    /// <summary>The store's spending cap (config.json).</summary>
    public Costs.SpendingCap SpendingCap
    {
        get => Costs.SpendingCap.Load(StorePath);
        set => (value ?? throw new ArgumentNullException(nameof(value))).Save(StorePath);
    }

    /// <summary>
    /// Estimates the draft's batch cost and records it in the job; refuses it, before anything is sent, when it would
    /// pass the store's per-job cap or, with the estimates of the jobs submitted this month, the monthly one.
    /// </summary>
    private void CheckSpendingCap(JobDraft draft)
    {
        var prices = Costs.PriceTable.Load(_options.PriceFile);
        decimal estimate = 0;
        var unknown = new List<string>();
        foreach (var total in draft.Plan.Totals)
        {
            if (prices.TryFind(total.Key, out var price))
            {
                estimate += Costs.CostCalculator.Compare(price, total.Value).BatchTokenCost;
            }
            else
            {
                unknown.Add(total.Key);
            }
        }

        draft.Manifest.EstimatedCostUsd = unknown.Count == 0 ? estimate : null;
        var cap = SpendingCap;
        if (!cap.IsSet || !draft.CheckSpendingCap)
        {
            return;
        }

        if (unknown.Count > 0)
        {
            draft.Dispose();
            throw new BatchAIException(ErrorKind.InvalidInput, "SpendingCapUnchecked", $"A spending cap is set, but there is no price for {string.Join(", ", unknown)} to estimate this job's cost. Nothing was sent. Give its prices in a price file, or force the submit (--force, -Force).");
        }

        var month = new DateTimeOffset(Clock.UtcNow.Year, Clock.UtcNow.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var spent = List().Where(j => j.CreatedAt >= month).Sum(j => j.EstimatedCostUsd ?? 0);
        try
        {
            cap.Check(draft.JobId, estimate, spent);
        }
        catch (BatchAIException)
        {
            draft.Dispose();
            throw;
        }
    }
}
