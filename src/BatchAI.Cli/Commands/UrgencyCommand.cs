using System.CommandLine;
using System.Text.Json;
using BatchAI.Cli.Infrastructure;
using BatchAI.Requests;
using BatchAI.Urgency;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai urgency</c>: which lane each workflow step belongs in, and why.</summary>
internal static class UrgencyCommand
{
    public static Command Create(CliHost host)
    {
        var input = new Option<string?>("--input", "-i") { Description = "A steps file (.csv, .tsv, .jsonl) with columns Step, PersonWaiting, Trigger, ItemDeadline, JobDeadline, and optionally ItemCount, Provider." };
        var step = new Option<string?>("--step") { Description = "One step's name (instead of --input)." };
        var waiting = new Option<string?>("--person-waiting") { Description = "Is a person blocked on a single item's result? yes or no." };
        var trigger = new Option<string?>("--trigger") { Description = "live-user, event, schedule or backfill." };
        var itemDeadline = new Option<string?>("--item-deadline") { Description = "How soon each item's result is needed: 30s, 10m, 12h, 7d." };
        var jobDeadline = new Option<string?>("--job-deadline") { Description = "How soon the whole run must be done: 30s, 10m, 12h, 7d." };
        var itemCount = new Option<string?>("--item-count") { Description = "Items per run (changes nothing; the reason says so)." };
        var provider = new Option<string?>("--provider") { Description = "openai (default), anthropic, gemini, azure-openai: whose batch window to measure against." };
        var json = CommonOptions.Json();
        var command = new Command("urgency", "Decide, per workflow step, whether someone waits on each item (real time) or not (batch), and say why. Exit code 0 whatever the verdicts.")
        {
            input, step, waiting, trigger, itemDeadline, jobDeadline, itemCount, provider, json,
        };
        command.SetAction(parse => CliContext.RunAsync(parse, host, context =>
        {
            var verdicts = new List<UrgencyVerdict>();
            if (parse.GetValue(input) is { } path)
            {
                if (new[] { step, waiting, trigger, itemDeadline, jobDeadline, itemCount, provider }.Any(o => parse.GetResult(o) is not null))
                {
                    throw BatchAIException.InvalidInput("UrgencyInputConflict", "Give a steps file (--input) or one step's options, not both.");
                }

                using var records = RecordFiles.Open(path);
                var problems = 0;
                foreach (var (parsed, problem) in UrgencySteps.Read(records))
                {
                    if (problem is not null)
                    {
                        context.Reporter.Problem(problem);
                        problems++;
                    }
                    else
                    {
                        verdicts.Add(UrgencyRule.Decide(parsed!));
                    }
                }

                if (problems > 0)
                {
                    throw BatchAIException.InvalidInput("StepsInvalid", $"{problems} step(s) of '{path}' cannot be read; fix them and run again.");
                }
            }
            else
            {
                verdicts.Add(UrgencyRule.Decide(UrgencySteps.Parse(parse.GetValue(step), parse.GetValue(waiting), parse.GetValue(trigger), parse.GetValue(itemDeadline), parse.GetValue(jobDeadline), parse.GetValue(itemCount), parse.GetValue(provider))));
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w =>
                {
                    w.WriteStartArray();
                    foreach (var verdict in verdicts)
                    {
                        Write(w, verdict);
                    }

                    w.WriteEndArray();
                }));
            }
            else
            {
                foreach (var line in JobOutput.Table(["STEP", "LANE", "REASON"], verdicts.Select(v => new[] { v.Step ?? "(unnamed)", LaneName(v.Lane), v.Reason })))
                {
                    context.Out.WriteLine(line);
                }
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static string LaneName(Lane lane) => lane == Lane.Realtime ? "realtime" : "batch";

    private static void Write(Utf8JsonWriter w, UrgencyVerdict verdict)
    {
        w.WriteStartObject();
        if (verdict.Step is null)
        {
            w.WriteNull("step");
        }
        else
        {
            w.WriteString("step", verdict.Step);
        }

        w.WriteString("lane", LaneName(verdict.Lane));
        w.WriteBoolean("useRealtime", verdict.UseRealtime);
        w.WriteString("reason", verdict.Reason);
        if (verdict.PersonWaiting is { } waiting)
        {
            w.WriteBoolean("personWaiting", waiting);
        }
        else
        {
            w.WriteNull("personWaiting");
        }

        w.WriteString("trigger", verdict.Trigger switch { StepTrigger.LiveUser => "live-user", null => null, { } t => t.ToString().ToLowerInvariant() });
        Seconds(w, "itemDeadlineSeconds", verdict.ItemDeadline);
        Seconds(w, "jobDeadlineSeconds", verdict.JobDeadline);
        if (verdict.ItemCount is { } count)
        {
            w.WriteNumber("itemCount", count);
        }
        else
        {
            w.WriteNull("itemCount");
        }

        w.WriteString("provider", Providers.ProviderNames.CommandLineName(verdict.Provider));
        w.WriteNumber("completionWindowSeconds", verdict.CompletionWindow.TotalSeconds);
        w.WriteEndObject();
    }

    private static void Seconds(Utf8JsonWriter w, string name, TimeSpan? value)
    {
        if (value is { } span)
        {
            w.WriteNumber(name, span.TotalSeconds);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
