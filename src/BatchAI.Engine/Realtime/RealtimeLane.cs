using System.Diagnostics;
using BatchAI.Costs;
using BatchAI.Hosting;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Providers.Http;
using BatchAI.Requests;

namespace BatchAI.Realtime;

/// <summary>How the real-time lane calls the provider.</summary>
public sealed class RealtimeOptions
{
    /// <summary>Calls in flight at once (default 4).</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>The provider's requests-per-minute limit to stay under; none when null.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>The provider's tokens-per-minute limit to stay under (input estimate plus the answer's MaxTokens); none when null.</summary>
    public long? TokensPerMinute { get; set; }

    internal void Validate()
    {
        if (MaxConcurrency < 1 || RequestsPerMinute is < 1 || TokensPerMinute is < 1)
        {
            throw BatchAIException.InvalidInput("RealtimeOptionInvalid", "Concurrency and the per-minute limits must be 1 or more.");
        }
    }
}

/// <summary>What a real-time run did: the side-by-side report's figures for this lane.</summary>
public sealed class RealtimeSummary
{
    public long Requests { get; init; }

    public long Succeeded { get; init; }

    public long Failed { get; init; }

    /// <summary>HTTP calls made, retries included.</summary>
    public long Calls { get; init; }

    /// <summary>429 answers met.</summary>
    public long RateLimited { get; init; }

    public long Retries => Math.Max(0, Calls - Requests);

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public TimeSpan WallTime { get; init; }
}

/// <summary>
/// The synchronous lane for steps someone waits on: the same <see cref="BatchRequest"/>s sent one call each, at most
/// <see cref="RealtimeOptions.MaxConcurrency"/> at once and within the per-minute limits, retried with backoff on 429
/// and 5xx by the HTTP pipeline, and handed back as <see cref="BatchResult"/>s in input order, exactly as a batch's are.
/// Holds at most a few results per call in flight, however many requests there are.
/// </summary>
internal static class RealtimeLane
{
    public static async Task<RealtimeSummary> RunAsync(IBatchProvider provider, HttpCounters counters, IEnumerable<BatchRequest> requests, RealtimeOptions options, Action<BatchResult> onResult, IClock clock, CancellationToken cancellationToken)
    {
        options.Validate();
        var limiter = new RequestRateLimiter(clock, options.RequestsPerMinute, options.TokensPerMinute);
        var window = options.MaxConcurrency * 8;
        var done = new Dictionary<long, BatchResult>();
        var running = new List<Task>();
        using var slots = new SemaphoreSlim(options.MaxConcurrency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = Stopwatch.StartNew();
        long started = 0;
        long next = 0;
        long succeeded = 0;
        long failed = 0;
        long inputTokens = 0;
        long outputTokens = 0;
        BatchAIException? fatal = null;

        void Flush()
        {
            while (true)
            {
                BatchResult? result;
                lock (done)
                {
                    if (!done.TryGetValue(next, out result))
                    {
                        return;
                    }

                    done.Remove(next);
                }

                next++;
                _ = result.Status == ResultStatus.Succeeded ? succeeded++ : failed++;
                inputTokens += result.InputTokens ?? 0;
                outputTokens += result.OutputTokens ?? 0;
                onResult(result);
            }
        }

        try
        {
            foreach (var request in requests)
            {
                while (started - next >= window || running.Count >= options.MaxConcurrency)
                {
                    await Task.WhenAny(running).ConfigureAwait(false);
                    running.RemoveAll(t => t.IsCompleted);
                    Flush();
                }

                if (fatal is not null)
                {
                    break;
                }

                stop.Token.ThrowIfCancellationRequested();
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                var slot = await limiter.AcquireAsync(TokenEstimator.Estimate(request).Tokens + (request.MaxOutputTokens ?? 0), stop.Token).ConfigureAwait(false);
                var sequence = started++;
                running.Add(Task.Run(async () =>
                {
                    BatchResult result;
                    try
                    {
                        result = await CallAsync(provider, request, stop.Token).ConfigureAwait(false);
                    }
                    catch (BatchAIException error) when (error.Kind is ErrorKind.Authentication or ErrorKind.Permission or ErrorKind.InvalidInput)
                    {
                        Interlocked.CompareExchange(ref fatal, error, null); // a refused key fails every call: stop sending
                        stop.Cancel();
                        return;
                    }
                    finally
                    {
                        limiter.Release(slot);
                        slots.Release();
                    }

                    lock (done)
                    {
                        done[sequence] = result;
                    }
                }, CancellationToken.None)); // not canceled before it starts: its finally must release its place
                running.RemoveAll(t => t.IsCompleted);
                Flush();
            }
        }
        catch (OperationCanceledException) when (fatal is not null && !cancellationToken.IsCancellationRequested)
        {
            // stopped by a refused key: reported below
        }

        await Task.WhenAll(running).ConfigureAwait(false);

        if (fatal is not null)
        {
            throw fatal;
        }

        Flush();
        return new RealtimeSummary
        {
            Requests = started,
            Succeeded = succeeded,
            Failed = failed,
            Calls = counters.Attempts,
            RateLimited = counters.RateLimited,
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            WallTime = watch.Elapsed,
        };
    }

    /// <summary>One request, its answer checked as a batch answer would be (schema included), joined to its record.</summary>
    private static async Task<BatchResult> CallAsync(IBatchProvider provider, BatchRequest request, CancellationToken cancellationToken)
    {
        ResultLine line;
        if (provider.Check(request) is { } refused)
        {
            // What the provider would refuse is not sent, as in a batch; here it is this record's failure.
            line = new ResultLine { CustomId = request.CustomId, Status = ResultStatus.Failed, ErrorCode = refused.ErrorId, ErrorMessage = refused.Message, BatchId = SyncCall.BatchId };
        }
        else
        {
            try
            {
                line = await provider.SendNowAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (BatchAIException error) when (error.Kind is ErrorKind.Unavailable or ErrorKind.RateLimited or ErrorKind.Protocol)
            {
                line = new ResultLine { CustomId = request.CustomId, Status = ResultStatus.Failed, ErrorCode = error.ErrorId, ErrorMessage = error.Message, Retryable = true, BatchId = SyncCall.BatchId };
            }
        }

        if (request.Schema is { } schema)
        {
            line = AnswerCheck.ForSchemaText(schema.Json).Check(line, schema.Id, failedBefore: false);
        }

        var stored = new StoredRecord { CustomId = request.CustomId, Source = request.Source, SchemaId = request.Schema?.Id };
        return ResultJoiner.Join(stored, line, part: null);
    }
}
