using System.CommandLine;
using BatchAI.Cli.Infrastructure;
using BatchAI.Jobs;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai wait</c>: exit 0 when every batch is final, 3 when the timeout comes first.</summary>
internal static class WaitCommand
{
    public static Command Create(CliHost host)
    {
        var job = CommonOptions.Job();
        var timeout = new Option<double?>("--timeout") { Description = "Give up after this many seconds (exit code 3); the job goes on at the provider." };
        var any = new Option<bool>("--any") { Description = "Return as soon as any one batch of the job is final." };
        var json = CommonOptions.Json();
        var command = new Command("wait", "Wait until every batch of a job is final, checking at growing intervals; batches waiting for room in the provider's queue are submitted as earlier ones finish.") { job, timeout, any, json };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var options = new WaitOptions { Any = parse.GetValue(any) };
            if (parse.GetValue(timeout) is { } seconds)
            {
                if (seconds < 0 || double.IsNaN(seconds))
                {
                    throw BatchAIException.InvalidInput("TimeoutInvalid", "--timeout must be a number of seconds, 0 or more.");
                }

                options.Timeout = TimeSpan.FromSeconds(seconds);
            }

            using var service = context.Service();
            var outcome = await service.WaitAsync(parse.GetValue(job)!, options, context.ApiKey, context.Reporter, cancellationToken).ConfigureAwait(false);
            var result = outcome.Job;
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w => JobOutput.WriteJob(w, result, x => x.WriteBoolean("timedOut", outcome.TimedOut))));
            }
            else if (!outcome.TimedOut)
            {
                context.Out.WriteLine($"Job {result} is {result.State}: {result.BatchSummary}. Get the results with: batchai receive {result.Id} --out results.csv");
            }

            if (outcome.TimedOut)
            {
                host.Error.WriteLine(outcome.TimeoutMessage(options.Timeout!.Value));
                return ExitCodes.NotFinished;
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
