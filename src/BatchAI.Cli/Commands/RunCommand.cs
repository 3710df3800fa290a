using System.CommandLine;
using System.Globalization;
using BatchAI.Cli.Infrastructure;
using BatchAI.Jobs;
using BatchAI.Realtime;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai run</c>: the real-time lane, for steps someone waits on; the same output file as <c>receive</c>.</summary>
internal static class RunCommand
{
    public static Command Create(CliHost host)
    {
        var request = new RequestArguments();
        var output = new Option<string>("--out", "-o") { Description = "The results file: .csv, .tsv or .jsonl, as batchai receive writes it.", Required = true };
        var concurrency = new Option<int?>("--max-concurrency") { Description = "Calls in flight at once (default 4)." };
        var rpm = new Option<int?>("--requests-per-minute") { Description = "Stay under this many requests a minute (your account's limit)." };
        var tpm = new Option<long?>("--tokens-per-minute") { Description = "Stay under this many tokens a minute (input estimate plus --max-tokens)." };
        var json = CommonOptions.Json();
        var command = new Command("run", "Call the model synchronously for each record (the real-time lane, full price), and write the results as receive does.") { output, concurrency, rpm, tpm, json };
        request.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var options = RealtimeOptions(parse.GetValue(concurrency), parse.GetValue(rpm), parse.GetValue(tpm));
            var (requests, columns) = request.ReadAll(parse, context, request.Options(parse));
            using var service = context.Service();
            using var writer = ResultFileWriter.Create(parse.GetValue(output)!, columns, context.Reporter);
            var summary = await service.RunRealtimeAsync(request.Connection(parse, context), requests, options, writer.Write, context.Reporter, cancellationToken).ConfigureAwait(false);
            writer.Complete();
            context.Out.WriteLine(parse.GetValue(json) ? JobOutput.Json(w => WriteSummary(w, summary)) : Describe(summary, Path.GetFullPath(parse.GetValue(output)!)));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static RealtimeOptions RealtimeOptions(int? concurrency, int? rpm, long? tpm) => new()
    {
        MaxConcurrency = concurrency ?? 4,
        RequestsPerMinute = rpm,
        TokensPerMinute = tpm,
    };

    public static string Describe(RealtimeSummary s, string path) => string.Format(
        CultureInfo.InvariantCulture,
        "Wrote {0}: {1:N0} result(s): {2:N0} succeeded, {3:N0} failed. {4:N0} call(s), {5:N0} 429(s) met, {6:N0} retries, {7:0.0} s.",
        path,
        s.Requests,
        s.Succeeded,
        s.Failed,
        s.Calls,
        s.RateLimited,
        s.Retries,
        s.WallTime.TotalSeconds);

    public static void WriteSummary(System.Text.Json.Utf8JsonWriter w, RealtimeSummary s)
    {
        w.WriteStartObject();
        w.WriteNumber("requests", s.Requests);
        w.WriteNumber("succeeded", s.Succeeded);
        w.WriteNumber("failed", s.Failed);
        w.WriteNumber("calls", s.Calls);
        w.WriteNumber("rateLimited", s.RateLimited);
        w.WriteNumber("retries", s.Retries);
        w.WriteNumber("inputTokens", s.InputTokens);
        w.WriteNumber("outputTokens", s.OutputTokens);
        w.WriteNumber("wallTimeSeconds", s.WallTime.TotalSeconds);
        w.WriteEndObject();
    }
}
