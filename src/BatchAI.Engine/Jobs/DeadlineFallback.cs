using System.Globalization;
using BatchAI.Costs;
using BatchAI.Providers;
using BatchAI.Realtime;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>How a deadline fallback runs.</summary>
public sealed class FallbackOptions
{
    /// <summary>How long before the job's deadline the fallback may run (default 1 hour).</summary>
    public TimeSpan Margin { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Run now, whatever the deadline (or with none).</summary>
    public bool Now { get; set; }

    /// <summary>The longest wait for the canceled batches to stop (default 10 minutes).</summary>
    public TimeSpan CancelWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How the real-time lane calls the provider.</summary>
    public RealtimeOptions Realtime { get; set; } = new();
}

/// <summary>What a deadline fallback did, and what it cost over the batch price.</summary>
public sealed class FallbackSummary
{
    public BatchJob Job { get; init; } = null!;

    /// <summary>Records sent through the real-time lane.</summary>
    public long Records { get; init; }

    public long Succeeded { get; init; }

    public long Failed { get; init; }

    /// <summary>Provider batches canceled first, so that no record is paid for twice.</summary>
    public int BatchesCanceled { get; init; }

    /// <summary>What the fallback's tokens cost at real-time prices.</summary>
    public decimal RealtimeCost { get; init; }

    /// <summary>What the same tokens would have cost at batch prices.</summary>
    public decimal BatchCost { get; init; }

    /// <summary>The price of meeting the deadline: real-time cost over batch cost.</summary>
    public decimal ExtraCost => RealtimeCost - BatchCost;

    public RealtimeSummary Lane { get; init; } = null!;
}

/// <summary>
/// Finishes a job by its deadline: cancels its batches still running (and those a pilot holds), takes in what they
/// finished, and sends every record not yet answered (unfinished, expired, canceled, retryably failed) through the
/// real-time lane. The answers join the ledger as a part of their own, so receive gives one result per record as
/// always; the extra cost over the batch price is reported.
/// </summary>
internal static class DeadlineFallback
{
    public static void CheckTime(JobManifest manifest, FallbackOptions options, DateTimeOffset now)
    {
        if (options.Now)
        {
            return;
        }

        if (manifest.Deadline is not { } deadline)
        {
            throw new BatchAIException(ErrorKind.Conflict, "FallbackNoDeadline", $"Job {manifest.Id} has no deadline (give one at submit: --deadline, -Deadline). To run its unfinished records in real time anyway, use --now (-Now).");
        }

        if (now < deadline - options.Margin)
        {
            throw new BatchAIException(ErrorKind.Conflict, "FallbackTooEarly", string.Format(CultureInfo.InvariantCulture, "Job {0}'s deadline is {1:u}, in {2:0.#} h; the fallback runs from {3:0.#} h before it, so batches keep their half price meanwhile. To run it now anyway, use --now (-Now).", manifest.Id, deadline, (deadline - now).TotalHours, options.Margin.TotalHours));
        }
    }

    /// <summary>The records to send (those not succeeded and not failed for good), as requests again.</summary>
    public static List<BatchRequest> Unanswered(JobLedger ledger, JobManifest manifest)
    {
        var wanted = new HashSet<string>(
            JobRecords.Read(ledger, manifest).Where(r => r.State != RecordState.Succeeded && (r.Result is null || r.Result.Retryable || r.State is RecordState.Pending or RecordState.Submitted)).Select(r => r.CustomId),
            StringComparer.Ordinal);
        var schemas = new Dictionary<string, ResponseSchema>(StringComparer.Ordinal);
        ResponseSchema Schema(string id)
        {
            if (!schemas.TryGetValue(id, out var schema))
            {
                schema = ResponseSchema.Parse(File.ReadAllText(ledger.SchemaPath(id)), manifest.SchemaNames.TryGetValue(id, out var name) ? name : null);
                schemas[id] = schema;
            }

            return schema;
        }

        return RequestFile.Read(ledger.RequestsPath).Where(r => wanted.Contains(r.CustomId)).Select(r => r.ToRequest(Schema)).ToList();
    }

    /// <summary>Writes the real-time answers into the ledger as parts of their own (one per model), after every batch part.</summary>
    public static void Record(JobLedger ledger, JobManifest manifest, IBatchProvider provider, IReadOnlyList<BatchRequest> requests, IReadOnlyList<BatchResult> results, DateTimeOffset now)
    {
        var attempt = manifest.Parts.Max(p => p.Attempt) + 1;
        List<PartRecord> parts;
        using (var builder = new PartBuilder(ledger.Folder, new ProviderLimits(int.MaxValue, long.MaxValue), manifest.Parts.Max(p => p.Index) + 1, attempt))
        {
            var line = new IO.JsonLine();
            foreach (var request in requests)
            {
                line.Clear();
                provider.WriteRequestLine(line, request);
                builder.Add(request.Model, request.CustomId, request.Schema?.Id, line.Buffer, line.Length, tokens: 0); // the real-time lane has no queue
            }

            parts = builder.Complete();
        }

        var partOf = new Dictionary<string, PartRecord>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in parts)
        {
            part.Realtime = true;
            part.BatchId = "realtime-" + part.Index.ToString(CultureInfo.InvariantCulture);
            part.State = BatchState.Completed;
            part.ProviderStatus = "realtime";
            part.SubmittedAt = now;
            part.FinishedAt = now;
            part.ResultsDownloaded = true;
            part.ProviderFilesDeleted = true;
            partOf[part.Model] = part;
        }

        using (var appender = new ResultAppender(ledger.ResultsPath))
        {
            for (var i = 0; i < results.Count; i++)
            {
                var part = partOf[requests[i].Model];
                var result = results[i];
                part.Total++;
                _ = result.Status == ResultStatus.Succeeded ? part.Completed++ : part.Failed++;
                appender.Append(new ResultLine
                {
                    CustomId = result.CustomId,
                    Status = result.Status,
                    Text = result.Output,
                    InputTokens = result.InputTokens,
                    CachedInputTokens = result.CachedInputTokens,
                    OutputTokens = result.OutputTokens,
                    ErrorCode = result.ErrorCode,
                    ErrorMessage = result.ErrorMessage,
                    Retryable = result.Retryable,
                    BatchId = part.BatchId,
                    Details = result.Details,
                });
            }

            appender.Commit();
        }

        manifest.Parts.AddRange(parts);
    }

    /// <summary>The fallback's tokens at real-time and at batch prices (models without a known price count as zero).</summary>
    public static (decimal Realtime, decimal Batch) Cost(IReadOnlyList<BatchResult> results, IReadOnlyList<BatchRequest> requests, PriceTable prices)
    {
        decimal realtime = 0;
        decimal batch = 0;
        foreach (var group in results.Select((r, i) => (Result: r, requests[i].Model)).GroupBy(x => x.Model, StringComparer.OrdinalIgnoreCase))
        {
            if (!prices.TryFind(group.Key, out var price))
            {
                continue;
            }

            var comparison = CostCalculator.Compare(price, new CostInputs
            {
                Requests = group.Count(),
                InputTokens = group.Sum(x => (long)(x.Result.InputTokens ?? 0)),
                CachedInputTokens = group.Sum(x => (long)(x.Result.CachedInputTokens ?? 0)),
                OutputTokens = group.Sum(x => (long)(x.Result.OutputTokens ?? 0)),
            });
            realtime += comparison.RealtimeTokenCost;
            batch += comparison.BatchTokenCost;
        }

        return (realtime, batch);
    }
}
