using System.CommandLine;
using System.Globalization;
using BatchAI.Cli.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai resubmit</c> and <c>batchai resume</c>: finishing what expired, failed or was interrupted.</summary>
internal static class RecoveryCommands
{
    public static Command Resubmit(CliHost host)
    {
        var job = CommonOptions.Job();
        var json = CommonOptions.Json();
        var maxAttempts = new Option<int?>("--max-attempts") { Description = $"How many times a record may be sent in all, the first included (default: the job's, {ResubmitOptions.DefaultMaxAttempts} unless changed)." };
        var command = new Command("resubmit", "Send a job's expired, canceled and retryably failed records again, as new batches of the same job. Invalid requests are not sent again.") { job, maxAttempts, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            using var service = context.Service();
            var summary = await service.ResubmitAsync(parse.GetValue(job)!, new ResubmitOptions { MaxAttempts = parse.GetValue(maxAttempts) }, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(parse.GetValue(json)
                ? JobOutput.Json(w => JobOutput.WriteJob(w, summary.Job, x =>
                {
                    JobOutput.WriteRecords(x, "before", summary.Before);
                    x.WriteNumber("resubmitted", summary.Resubmitted);
                    x.WriteNumber("newBatches", summary.Batches);
                    x.WriteNumber("exhausted", summary.Exhausted);
                }))
                : summary.Resubmitted == 0
                    ? string.Format(CultureInfo.InvariantCulture, "Job {0}: nothing to resubmit ({1}).", summary.Job, summary.Before)
                    : string.Format(CultureInfo.InvariantCulture, "Job {0}: {1}. {2:N0} record(s) resubmitted in {3} new batch(es); wait for them: batchai wait {4}", summary.Job, summary.Before, summary.Resubmitted, summary.Batches, summary.Job.Id));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Release(CliHost host)
    {
        var job = CommonOptions.Job();
        var json = CommonOptions.Json();
        var command = new Command("release", "Send the rest of a pilot job (submitted with --pilot) once its first records look right.") { job, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            using var service = context.Service();
            var released = await service.ResumeAsync(parse.GetValue(job)!, context.ApiKey, context.Reporter, cancellationToken, release: true).ConfigureAwait(false);
            context.Out.WriteLine(parse.GetValue(json) ? JobOutput.Json(w => JobOutput.WriteJob(w, released)) : JobOutput.Text(released));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Fallback(CliHost host)
    {
        var job = CommonOptions.Job();
        var now = new Option<bool>("--now") { Description = "Run now, whatever the deadline (or with none)." };
        var margin = new Option<string?>("--margin") { Description = "How long before the deadline the fallback may run (default 1h)." };
        var concurrency = new Option<int?>("--max-concurrency") { Description = "Calls in flight at once (default 4)." };
        var rpm = new Option<int?>("--requests-per-minute") { Description = "Stay under this many requests a minute." };
        var json = CommonOptions.Json();
        var command = new Command("fallback", "Near a job's deadline: cancel its running batches, keep what they finished, and run every record not yet answered through the real-time lane (full price); reports the extra cost.") { job, now, margin, concurrency, rpm, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var options = new FallbackOptions
            {
                Now = parse.GetValue(now),
                Realtime = RunCommand.RealtimeOptions(parse.GetValue(concurrency), parse.GetValue(rpm), null),
            };
            if (parse.GetValue(margin) is { } text)
            {
                options.Margin = CommonOptions.Duration(text, "--margin");
            }

            using var service = context.Service();
            var summary = await service.FallbackAsync(parse.GetValue(job)!, options, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(parse.GetValue(json)
                ? JobOutput.Json(w => JobOutput.WriteJob(w, summary.Job, x =>
                {
                    x.WriteNumber("fallbackRecords", summary.Records);
                    x.WriteNumber("fallbackSucceeded", summary.Succeeded);
                    x.WriteNumber("fallbackFailed", summary.Failed);
                    x.WriteNumber("batchesCanceled", summary.BatchesCanceled);
                    x.WriteNumber("realtimeCost", summary.RealtimeCost);
                    x.WriteNumber("batchCost", summary.BatchCost);
                    x.WriteNumber("extraCost", summary.ExtraCost);
                }))
                : string.Format(CultureInfo.InvariantCulture, "Job {0}: {1} batch(es) canceled; {2:N0} record(s) run in real time ({3:N0} succeeded, {4:N0} failed), {5:0.00####} USD more than at batch prices. Receive it: batchai receive {6}", summary.Job, summary.BatchesCanceled, summary.Records, summary.Succeeded, summary.Failed, summary.ExtraCost, summary.Job.Id));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Resume(CliHost host)
    {
        var job = CommonOptions.Job();
        var json = CommonOptions.Json();
        var command = new Command("resume", "Pick up an interrupted job: submit the batches not yet sent (finding any the provider already has), look at the running ones, download what ended. Never waits.") { job, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            using var service = context.Service();
            var resumed = await service.ResumeAsync(parse.GetValue(job)!, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(parse.GetValue(json) ? JobOutput.Json(w => JobOutput.WriteJob(w, resumed)) : JobOutput.Text(resumed));
            return ExitCodes.Success;
        }));
        return command;
    }
}
