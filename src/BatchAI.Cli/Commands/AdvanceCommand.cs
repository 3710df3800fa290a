using System.CommandLine;
using BatchAI.Cli.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Cli.Commands;

/// <summary>
/// <c>batchai advance</c>: one non-blocking step for a scheduled task or timer. The exit code says where the job
/// stands: 0 finished, 3 not yet, 4 finished with failures, 1 or 2 an error.
/// </summary>
internal static class AdvanceCommand
{
    public static Command Create(CliHost host)
    {
        var job = CommonOptions.Job();
        var output = new Option<string>("--out", "-o") { Description = "The results file written once every record is final: .csv, .tsv or .jsonl.", Required = true };
        var hook = new Option<string?>("--hook") { Description = "A script run once when the job is final and its results are written (.ps1, .sh, .cmd, or any program); it gets BATCHAI_* environment variables." };
        var hookTimeout = new Option<string?>("--hook-timeout") { Description = "How long the hook may run before it is stopped (default 10m)." };
        var json = CommonOptions.Json();
        var command = new Command("advance", "One step, never waiting: submit what waits for the provider's queue, download what finished, resend what is retryable, and write the results once every record is final. Exit code: 0 finished, 3 still running, 4 finished with failures.")
        {
            job, output, hook, hookTimeout, json,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var options = new AdvanceOptions { OutputPath = parse.GetValue(output), HookPath = parse.GetValue(hook) };
            if (parse.GetValue(hookTimeout) is { } timeout)
            {
                options.HookTimeout = CommonOptions.Duration(timeout, "--hook-timeout");
            }

            using var service = context.Service();
            var result = await service.AdvanceAsync(parse.GetValue(job)!, options, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(parse.GetValue(json) ? JobOutput.Json(w => JobOutput.WriteJob(w, result.Job, x => WriteStep(x, result))) : result.ToString());
            return ExitCodes.For(result.Outcome);
        }));
        return command;
    }

    private static void WriteStep(System.Text.Json.Utf8JsonWriter w, AdvanceResult result)
    {
        w.WriteString("outcome", result.Outcome.ToString());
        w.WriteNumber("resubmitted", result.Resubmitted);
        WriteCount(w, "total", result.Total);
        WriteCount(w, "succeeded", result.Succeeded);
        WriteCount(w, "unsuccessful", result.Unsuccessful);
        WriteText(w, "out", result.OutputPath);
        w.WriteBoolean("exported", result.Exported);
        WriteText(w, "errorLog", result.ErrorLogPath);
        w.WriteBoolean("hookRan", result.HookRan);
    }

    private static void WriteCount(System.Text.Json.Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } count)
        {
            w.WriteNumber(name, count);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteText(System.Text.Json.Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
