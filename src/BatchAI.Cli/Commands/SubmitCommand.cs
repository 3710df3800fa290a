using System.CommandLine;
using BatchAI.Cli.Infrastructure;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai submit</c>: a CSV or JSONL file becomes one request per record, sent as batches.</summary>
internal static class SubmitCommand
{
    public static Command Create(CliHost host)
    {
        var request = new RequestArguments();
        var batchSize = new Option<int?>("--batch-size") { Description = "At most this many requests per provider batch (default: the provider's limit, e.g. 50,000 for OpenAI)." };
        var queuedTokens = new Option<long?>("--max-queued-tokens") { Description = "Input tokens to keep queued at the provider at once: your account's enqueued-token limit for the model (default: the provider's documented lowest tier, e.g. 2,000,000 for OpenAI; 0 for none). batchai wait submits more as earlier batches finish." };
        var queuedRequests = new Option<long?>("--max-queued-requests") { Description = "Requests to keep queued at the provider at once (Anthropic's processing queue; default 100,000; 0 for none)." };
        var keepFiles = new Option<bool>("--keep-provider-files") { Description = "Keep the input and output files at the provider after the results are received (default: delete them, so storage quotas do not fill up)." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Leave invalid records out and submit the rest (each left-out record is listed, and kept in the job's skipped.jsonl). By default one invalid record stops the job: nothing is sent." };
        var pilot = new Option<long?>("--pilot") { Description = "Submit only the first N records; the rest are prepared and held until you release them (batchai release <job>) after checking the pilot's results." };
        var deadline = new Option<string?>("--deadline") { Description = "When the results are needed: a duration from now (12h, 2d) or a time (2026-12-01T06:00Z). Near it, batchai fallback runs what is unfinished in real time." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Prepare everything up to the upload (request files, ledger) and send nothing; no key needed. batchai resume <job> sends it." };
        var force = new Option<bool>("--force") { Description = "Submit even when the estimated cost passes the store's spending cap (batchai config)." };
        var json = CommonOptions.Json();
        var name = new Option<string?>("--name", "-n") { Description = "A name to address the job by, e.g. tickets-nightly." };
        var command = new Command("submit", "Prepare requests from a file of records and submit them as batch jobs. The last line of output is the job id.")
        {
            name, batchSize, queuedTokens, queuedRequests, keepFiles, skipInvalid, pilot, deadline, dryRun, force, json,
        };
        request.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var options = request.Options(parse);
            var path = parse.GetValue(request.Input)!;
            var definition = new JobDefinition
            {
                Name = parse.GetValue(name),
                Input = Path.GetFileName(path),
                MaxRequestsPerBatch = parse.GetValue(batchSize),
                MaxQueuedTokens = parse.GetValue(queuedTokens),
                MaxQueuedRequests = parse.GetValue(queuedRequests),
                KeepProviderFiles = parse.GetValue(keepFiles),
                SkipInvalidRecords = parse.GetValue(skipInvalid),
                PilotSize = parse.GetValue(pilot),
                IgnoreSpendingCap = parse.GetValue(force),
                DryRun = parse.GetValue(dryRun),
                Deadline = Deadline(parse.GetValue(deadline), host.Clock.UtcNow),
                Connection = request.Connection(parse, context),
            };
            using var service = context.Service();
            using var records = RecordFiles.Open(path);
            var job = await RecordSubmission.SubmitAsync(service, records, options, definition, context.Reporter, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w => JobOutput.WriteJob(w, job)));
            }
            else
            {
                if (job.DryRun)
                {
                    context.Out.WriteLine($"Dry run: {JobOutput.N(job.RequestCount)} request(s) in {job.Batches.Count} batch file(s) under {Path.Combine(job.Folder, "parts")}; nothing was sent. Send it with: batchai resume {job.Id}");
                    context.Out.WriteLine(job.Id);
                    return ExitCodes.Success;
                }

                context.Out.WriteLine($"Submitted {JobOutput.N(job.RequestCount)} request(s) in {job.Batches.Count} batch(es) to {ProviderNames.DisplayName(job.Provider)}{(job.Emulated ? " (in-process emulator)" : string.Empty)} as job {job}{(job.EstimatedCostUsd is { } cost ? string.Format(System.Globalization.CultureInfo.InvariantCulture, ", about {0:0.00##} USD at batch rates", cost) : string.Empty)}.");
                if (job.Batches.Any(b => b.Held))
                {
                    context.Out.WriteLine($"Pilot: {JobOutput.N(job.Batches.Where(b => !b.Held).Sum(b => (long)b.Requests))} request(s) sent, {JobOutput.N(job.Batches.Where(b => b.Held).Sum(b => (long)b.Requests))} held. Check their results (batchai wait, batchai receive), then send the rest: batchai release {job.Id}");
                }

                if (job.SkippedPath is { } skipped)
                {
                    context.Out.WriteLine($"Left out {JobOutput.N(job.SkippedCount)} invalid record(s), listed in {skipped}");
                }

                context.Out.WriteLine($"Follow it with: batchai status {job.Id}   or wait for it: batchai wait {job.Id}");
                context.Out.WriteLine(job.Id);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>A deadline as a duration from now (12h) or a point in time (ISO 8601); none when empty.</summary>
    private static DateTimeOffset? Deadline(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (Urgency.Durations.TryParse(text, out var duration) && duration is { } span)
        {
            return now + span;
        }

        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw BatchAIException.InvalidInput("DeadlineInvalid", $"--deadline: '{text}' is neither a duration (12h, 2d) nor a time (2026-12-01T06:00Z).");
    }
}
