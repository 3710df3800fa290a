using System.CommandLine;
using System.Globalization;
using BatchAI.Cli.Infrastructure;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai status</c>, <c>batchai list</c> and <c>batchai cancel</c>.</summary>
internal static class StatusCommands
{
    public static Command Status(CliHost host)
    {
        var job = CommonOptions.Job();
        var json = CommonOptions.Json();
        var command = new Command("status", "Ask the provider how a job's batches stand, record it in the store, and show the job.") { job, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            using var service = context.Service();
            var refreshed = await service.RefreshAsync(parse.GetValue(job)!, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(parse.GetValue(json) ? JobOutput.Json(w => JobOutput.WriteJob(w, refreshed)) : JobOutput.Text(refreshed));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Records(CliHost host)
    {
        var job = CommonOptions.Job();
        var json = CommonOptions.Json();
        var state = new Option<string[]>("--state") { Description = "Only records in these states: pending, submitted, succeeded, failed, expired, canceled.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("records", "List a job's records as the store knows them (no provider calls): state, batch, attempts, error. --json writes one JSON object per line.") { job, state, json };
        command.SetAction(parse => CliContext.RunAsync(parse, host, context =>
        {
            var states = new List<Jobs.RecordState>();
            foreach (var name in parse.GetValue(state) ?? [])
            {
                states.Add(Enum.TryParse<Jobs.RecordState>(name, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                    ? parsed
                    : throw BatchAIException.InvalidInput("RecordStateUnknown", $"'{name}' is not a record state; use pending, submitted, succeeded, failed, expired or canceled."));
            }

            using var service = context.Service();
            var records = service.Records(parse.GetValue(job)!, states);
            if (parse.GetValue(json))
            {
                foreach (var record in records)
                {
                    context.Out.WriteLine(JobOutput.Json(w => JobOutput.WriteRecord(w, record), indented: false));
                }
            }
            else
            {
                foreach (var line in JobOutput.Table(
                    ["CUSTOM_ID", "STATE", "BATCH", "ATTEMPTS", "RETRYABLE", "ERROR"],
                    records.Select(r => new[] { r.CustomId, r.State.ToString() + (r.Held ? " (held)" : string.Empty), r.Batch.ToString(CultureInfo.InvariantCulture), r.Attempts.ToString(CultureInfo.InvariantCulture), r.Retryable ? "yes" : string.Empty, r.ErrorCode is null ? string.Empty : r.ErrorCode + ": " + r.ErrorMessage })))
                {
                    context.Out.WriteLine(line);
                }
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    public static Command List(CliHost host)
    {
        var json = CommonOptions.Json();
        var command = new Command("list", "List the jobs in the store, newest first, as last recorded (no provider calls).") { json };
        command.SetAction(parse => CliContext.RunAsync(parse, host, context =>
        {
            using var service = context.Service();
            var jobs = service.List();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w =>
                {
                    w.WriteStartArray();
                    foreach (var item in jobs)
                    {
                        JobOutput.WriteJob(w, item);
                    }

                    w.WriteEndArray();
                }));
            }
            else if (jobs.Count == 0)
            {
                context.Out.WriteLine($"No jobs in {service.StorePath}.");
            }
            else
            {
                foreach (var line in JobOutput.Table(
                    ["ID", "NAME", "STATE", "PROVIDER", "MODEL", "REQUESTS", "CREATED"],
                    jobs.Select(j => new[] { j.Id, j.Name ?? string.Empty, j.State.ToString(), j.Provider + (j.Emulated ? "*" : string.Empty), j.Model, JobOutput.N(j.RequestCount), j.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) })))
                {
                    context.Out.WriteLine(line);
                }

                if (jobs.Any(j => j.Emulated))
                {
                    context.Out.WriteLine("* in-process emulator");
                }
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    public static Command Cancel(CliHost host)
    {
        var job = CommonOptions.Job();
        var json = CommonOptions.Json();
        var command = new Command("cancel", "Cancel a job's unfinished batches. Requests already answered are kept and can still be received.") { job, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            using var service = context.Service();
            var canceled = await service.CancelAsync(parse.GetValue(job)!, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(parse.GetValue(json)
                ? JobOutput.Json(w => JobOutput.WriteJob(w, canceled))
                : $"Cancel requested for job {canceled}: {canceled.BatchSummary}.");
            return ExitCodes.Success;
        }));
        return command;
    }
}
