using System.CommandLine;
using BatchAI.Cli.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai receive</c>: one row per input record, source columns first, then the result.</summary>
internal static class ReceiveCommand
{
    public static Command Create(CliHost host)
    {
        var job = CommonOptions.Job();
        var output = new Option<string>("--out", "-o") { Description = "The results file: .csv, .tsv or .jsonl. Written completely or not at all.", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("receive", "Download a finished job's results and write them joined to the source records, in input order.") { job, output, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            using var service = context.Service();
            var id = parse.GetValue(job)!;
            var path = parse.GetValue(output)!;
            var columns = service.Get(id).Columns;
            using var writer = ResultFileWriter.Create(path, columns, context.Reporter);
            var summary = await service.ReceiveAsync(id, writer, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            writer.Complete();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("jobId", summary.Job.Id);
                    w.WriteString("out", Path.GetFullPath(path));
                    w.WriteNumber("total", summary.Total);
                    w.WriteNumber("succeeded", summary.Succeeded);
                    w.WriteNumber("failed", summary.Failed);
                    w.WriteNumber("expired", summary.Expired);
                    w.WriteNumber("canceled", summary.Canceled);
                    if (summary.ErrorLogPath is { } log)
                    {
                        w.WriteString("errorLog", log);
                    }
                    else
                    {
                        w.WriteNull("errorLog");
                    }

                    w.WriteEndObject();
                }));
            }
            else
            {
                context.Out.WriteLine($"Wrote {Path.GetFullPath(path)}: {summary}.");
                if (summary.ErrorLogPath is { } log)
                {
                    context.Out.WriteLine($"Why each of the {JobOutput.N(summary.Total - summary.Succeeded)} did not succeed: {log}");
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
