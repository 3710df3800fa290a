using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BatchAI.Cli.Infrastructure;
using BatchAI.Costs;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Providers.Http;

namespace BatchAI.Cli.Commands;

/// <summary>
/// <c>batchai side-by-side</c>: the comparison to run before changing a workflow. The same records go once through
/// the real-time lane and once as a batch job, against the same endpoint (the emulator, normally, with the rate limit
/// of your account), and both are reported the same way: calls made, 429s met, retries, wall time, tokens, cost.
/// </summary>
internal static class SideBySideCommand
{
    public static Command Create(CliHost host)
    {
        var request = new RequestArguments();
        var concurrency = new Option<int?>("--max-concurrency") { Description = "The real-time lane's calls in flight at once (default 4)." };
        var rpm = new Option<int?>("--requests-per-minute") { Description = "The real-time lane stays under this many requests a minute; leave it out to see what meeting the limit costs." };
        var prices = new Option<string?>("--prices") { Description = "A JSON price file that overrides or extends the shipped price table." };
        var json = CommonOptions.Json();
        var command = new Command("side-by-side", "Run the same records through the real-time lane and as a batch, and report calls, 429s, retries, wall time, tokens and cost for both.") { concurrency, rpm, prices, json };
        request.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var options = request.Options(parse);
            var (requests, columns) = request.ReadAll(parse, context, options);
            var price = PriceTable.Load(parse.GetValue(prices)).Find(options.Model);

            var realtimeCounters = new HttpCounters();
            var realtime = await RunRealtimeAsync(context, request, parse, requests, RunCommand.RealtimeOptions(parse.GetValue(concurrency), parse.GetValue(rpm), null), realtimeCounters, cancellationToken).ConfigureAwait(false);

            var batchCounters = new HttpCounters();
            var watch = Stopwatch.StartNew();
            using var service = context.Service(counters: batchCounters);
            using var draft = service.CreateDraft(new JobDefinition { Name = "side-by-side", Input = Path.GetFileName(parse.GetValue(request.Input)), Connection = request.Connection(parse, context) }, context.Reporter);
            foreach (var item in requests)
            {
                draft.Add(item);
            }

            draft.ThrowIfAnyRejected();
            var job = await service.SubmitAsync(draft, context.Reporter, cancellationToken).ConfigureAwait(false);
            await service.WaitAsync(job.Id, new WaitOptions { FirstPollInterval = TimeSpan.FromSeconds(1), MaxPollInterval = TimeSpan.FromSeconds(15) }, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            long batchSucceeded = 0;
            long batchFailed = 0;
            await service.ReceiveAsync(job.Id, r => _ = r.Status == ResultStatus.Succeeded ? batchSucceeded++ : batchFailed++, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            watch.Stop();
            var usage = service.ActualUsage(job.Id).Single(u => string.Equals(u.Key, options.Model, StringComparison.OrdinalIgnoreCase)).Value;

            var lanes = new[]
            {
                new Lane("realtime", requests.Count, realtime.Succeeded, realtime.Failed, realtimeCounters, realtime.WallTime, realtime.InputTokens, realtime.OutputTokens,
                    CostCalculator.Compare(price, new CostInputs { Requests = realtime.Requests, InputTokens = realtime.InputTokens, OutputTokens = realtime.OutputTokens }).RealtimeTokenCost),
                new Lane("batch", requests.Count, batchSucceeded, batchFailed, batchCounters, watch.Elapsed, usage.InputTokens, usage.OutputTokens,
                    CostCalculator.Compare(price, usage).BatchTokenCost),
            };
            context.Out.WriteLine(parse.GetValue(json) ? JobOutput.Json(w => Write(w, lanes, price, job.Id)) : Describe(lanes, price, job.Id));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<BatchAI.Realtime.RealtimeSummary> RunRealtimeAsync(CliContext context, RequestArguments request, ParseResult parse, List<BatchAI.Requests.BatchRequest> requests, BatchAI.Realtime.RealtimeOptions options, HttpCounters counters, CancellationToken cancellationToken)
    {
        using var service = context.Service(counters: counters);
        return await service.RunRealtimeAsync(request.Connection(parse, context), requests, options, _ => { }, context.Reporter, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(Lane[] lanes, ModelPrice price, string jobId)
    {
        var lines = new List<string> { string.Format(CultureInfo.InvariantCulture, "{0:N0} records, {1} (prices as of {2}); the batch ran as job {3}.", lanes[0].Records, price.Model, price.AsOf, jobId) };
        lines.AddRange(JobOutput.Table(
            ["LANE", "SUCCEEDED", "FAILED", "CALLS", "429s", "RETRIES", "WALL TIME", "INPUT TOKENS", "OUTPUT TOKENS", "COST"],
            lanes.Select(l => new[]
            {
                l.Name, JobOutput.N(l.Succeeded), JobOutput.N(l.Failed), JobOutput.N(l.Counters.Attempts), JobOutput.N(l.Counters.RateLimited), JobOutput.N(l.Retries),
                l.WallTime.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s", JobOutput.N(l.InputTokens), JobOutput.N(l.OutputTokens), l.Cost.ToString("0.000000", CultureInfo.InvariantCulture) + " USD",
            })));
        return string.Join(Environment.NewLine, lines);
    }

    private static void Write(Utf8JsonWriter w, Lane[] lanes, ModelPrice price, string jobId)
    {
        w.WriteStartObject();
        w.WriteString("model", price.Model);
        w.WriteString("pricesAsOf", price.AsOf);
        w.WriteString("batchJob", jobId);
        foreach (var lane in lanes)
        {
            w.WriteStartObject(lane.Name);
            w.WriteNumber("records", lane.Records);
            w.WriteNumber("succeeded", lane.Succeeded);
            w.WriteNumber("failed", lane.Failed);
            w.WriteNumber("calls", lane.Counters.Attempts);
            w.WriteNumber("rateLimited", lane.Counters.RateLimited);
            w.WriteNumber("retries", lane.Retries);
            w.WriteNumber("wallTimeSeconds", lane.WallTime.TotalSeconds);
            w.WriteNumber("inputTokens", lane.InputTokens);
            w.WriteNumber("outputTokens", lane.OutputTokens);
            w.WriteNumber("cost", lane.Cost);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private sealed record Lane(string Name, long Records, long Succeeded, long Failed, HttpCounters Counters, TimeSpan WallTime, long InputTokens, long OutputTokens, decimal Cost)
    {
        /// <summary>Calls beyond the first for a logical request: 429s, server errors and lost connections sent again.</summary>
        public long Retries => Counters.RateLimited + Counters.ServerErrors + Counters.NetworkFailures;
    }
}
