using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BatchAI.Cli.Infrastructure;
using BatchAI.Costs;
using BatchAI.Jobs;
using BatchAI.Requests;

namespace BatchAI.Cli.Commands;

/// <summary><c>batchai prices</c> and <c>batchai compare</c>: what models cost, and what batching saves.</summary>
internal static class CostCommands
{
    public static Command Prices(CliHost host)
    {
        var model = new Option<string?>("--model") { Description = "Only models matching this (wildcards * and ? allowed)." };
        var provider = new Option<string?>("--provider") { Description = "Only this provider's models: openai, anthropic, gemini." };
        var prices = PricesOption();
        var json = CommonOptions.Json();
        var command = new Command("prices", "The per-model token prices BatchAI uses (US dollars per million tokens), with their date and source.") { model, provider, prices, json };
        command.SetAction(parse => CliContext.RunAsync(parse, host, context =>
        {
            var table = PriceTable.Load(parse.GetValue(prices));
            var selected = table.Prices
                .Where(p => parse.GetValue(model) is not { } pattern || Wildcards.IsMatch(pattern, p.Model))
                .Where(p => parse.GetValue(provider) is not { } name || string.Equals(name, p.Provider, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("asOf", table.AsOf);
                    w.WriteString("source", table.Source);
                    w.WriteStartArray("models");
                    foreach (var price in selected)
                    {
                        w.WriteStartObject();
                        w.WriteString("model", price.Model);
                        w.WriteString("provider", price.Provider);
                        w.WriteNumber("inputPerMillion", price.InputPerMillion);
                        w.WriteNumber("outputPerMillion", price.OutputPerMillion);
                        w.WriteNumber("batchInputPerMillion", price.BatchInputPerMillion);
                        w.WriteNumber("batchOutputPerMillion", price.BatchOutputPerMillion);
                        if (price.CachedInputPerMillion is { } cached)
                        {
                            w.WriteNumber("cachedInputPerMillion", cached);
                        }
                        else
                        {
                            w.WriteNull("cachedInputPerMillion");
                        }

                        w.WriteString("batchPriceBasis", price.BatchPriceBasis);
                        w.WriteString("asOf", price.AsOf);
                        w.WriteString("source", price.Source);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
            else
            {
                context.Out.WriteLine($"Prices in US dollars per million tokens, as of {table.AsOf}. Source: {table.Source}");
                foreach (var line in JobOutput.Table(
                    ["MODEL", "PROVIDER", "INPUT", "OUTPUT", "BATCH IN", "BATCH OUT", "CACHED IN", "AS OF"],
                    selected.Select(p => new[] { p.Model, p.Provider, Usd(p.InputPerMillion), Usd(p.OutputPerMillion), Usd(p.BatchInputPerMillion), Usd(p.BatchOutputPerMillion), p.CachedInputPerMillion is { } c ? Usd(c) : "-", p.AsOf })))
                {
                    context.Out.WriteLine(line);
                }
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    public static Command Compare(CliHost host)
    {
        var model = new Option<string?>("--model", "-m") { Description = "The model (with --requests, or with --input to build the requests)." };
        var requests = new Option<long?>("--requests") { Description = "Requests per run." };
        var inputTokens = new Option<long?>("--input-tokens") { Description = "Average input tokens per request." };
        var outputTokens = new Option<long?>("--output-tokens") { Description = "Average output tokens per request (with --input: the expected answer length; default each request's --max-tokens)." };
        var cachedTokens = new Option<long?>("--cached-input-tokens") { Description = "Average input tokens per request read from the prompt cache." };
        var input = new Option<string?>("--input", "-i") { Description = "Estimate from a file of records instead of counts (with --prompt or --prompt-column, as for submit)." };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "With --input: the prompt template." };
        var promptColumn = new Option<string?>("--prompt-column") { Description = "With --input: the column holding the prompt." };
        var system = new Option<string?>("--system") { Description = "With --input: system instructions." };
        var schema = new Option<string?>("--schema") { Description = "With --input: the JSON Schema file." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "With --input: the most output tokens per answer." };
        var job = new Option<string?>("--job") { Description = "Use a job's actual usage (as the provider reported it) instead of counts." };
        var countWithProvider = new Option<bool>("--count-with-provider") { Description = "With --input: count each request's input tokens with the provider's own count-tokens endpoint (one call per record; needs its key) instead of offline." };
        var provider = CommonOptions.Provider();
        var baseUrl = new Option<string?>("--base-url") { Description = "With --count-with-provider: the provider's base URL, as for submit." };
        var emulator = new Option<bool>("--emulator") { Description = "With --count-with-provider: count on the in-process emulator." };
        var perOperation = new Option<decimal?>("--platform-cost-per-operation") { Description = "What the automation platform charges per operation (task, action), in US dollars." };
        var perItem = new Option<int?>("--operations-per-item") { Description = "Operations a loop spends per item (default 1)." };
        var perRun = new Option<int?>("--operations-per-run") { Description = "Operations the batch flow spends per run: submit, check, receive (default 3)." };
        var runs = new Option<int?>("--runs-per-month") { Description = "Runs a month, for monthly figures." };
        var inputPrice = new Option<decimal?>("--input-price") { Description = "Input price per million tokens, by hand (with --output-price)." };
        var outputPrice = new Option<decimal?>("--output-price") { Description = "Output price per million tokens, by hand (with --input-price)." };
        var prices = PricesOption();
        var json = CommonOptions.Json();
        var command = new Command("compare", "What a run costs in real time and as a batch, on the token bill and the platform's per-operation bill, and what batching saves.")
        {
            model, requests, inputTokens, outputTokens, cachedTokens, input, prompt, promptColumn, system, schema, maxTokens, job, countWithProvider, provider, baseUrl, emulator, perOperation, perItem, perRun, runs, inputPrice, outputPrice, prices, json,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var table = PriceTable.Load(parse.GetValue(prices));
            IReadOnlyList<KeyValuePair<string, CostInputs>> usage;
            var sources = new[] { parse.GetValue(requests) is not null, parse.GetValue(input) is not null, parse.GetValue(job) is not null }.Count(b => b);
            if (sources != 1)
            {
                throw BatchAIException.InvalidInput("CompareInputMissing", "Give exactly one of: --requests with --input-tokens and --output-tokens; --input (a file of records); --job (a finished job).");
            }

            if (parse.GetValue(job) is { } jobName)
            {
                using var service = context.Service();
                usage = service.ActualUsage(jobName);
            }
            else if (parse.GetValue(input) is { } path)
            {
                var options = new RequestOptions
                {
                    Prompt = CliContext.Template(parse.GetValue(prompt)),
                    PromptColumn = parse.GetValue(promptColumn),
                    SystemPrompt = parse.GetValue(system),
                    Model = parse.GetValue(model) ?? string.Empty,
                    MaxOutputTokens = parse.GetValue(maxTokens),
                    Schema = parse.GetValue(schema) is { } schemaPath ? ResponseSchema.FromFile(schemaPath) : null,
                };
                options.Validate();
                var countWith = parse.GetValue(countWithProvider)
                    ? new BatchAI.Providers.ProviderConnection { Provider = BatchAI.Providers.ProviderNames.Parse(parse.GetValue(provider)!), BaseUrl = parse.GetValue(baseUrl), UseEmulator = parse.GetValue(emulator), ApiKey = context.ApiKey }
                    : null;
                using var service = context.Service();
                using var records = RecordFiles.Open(path);
                usage = await service.PlanAsync(records, options, parse.GetValue(outputTokens), countWith, context.Reporter, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var count = parse.GetValue(requests)!.Value;
                var name = parse.GetValue(model) ?? throw BatchAIException.InvalidInput("ModelMissing", "Give the model: --model.");
                var averageIn = parse.GetValue(inputTokens) ?? throw BatchAIException.InvalidInput("InputTokensMissing", "Give the average input tokens per request: --input-tokens.");
                var averageOut = parse.GetValue(outputTokens) ?? throw BatchAIException.InvalidInput("OutputTokensMissing", "Give the average output tokens per request: --output-tokens.");
                usage = [new(name, new CostInputs { Requests = count, InputTokens = count * averageIn, OutputTokens = count * averageOut, CachedInputTokens = count * (parse.GetValue(cachedTokens) ?? 0), TokensExact = true })];
            }

            var comparisons = usage.Select(u =>
            {
                u.Value.PlatformCostPerOperation = parse.GetValue(perOperation) ?? 0;
                u.Value.OperationsPerItem = parse.GetValue(perItem) ?? u.Value.OperationsPerItem;
                u.Value.OperationsPerBatchRun = parse.GetValue(perRun) ?? u.Value.OperationsPerBatchRun;
                u.Value.RunsPerMonth = parse.GetValue(runs);
                return CostCalculator.Compare(table.Find(u.Key, parse.GetValue(inputPrice), parse.GetValue(outputPrice)), u.Value);
            }).ToList();
            context.Out.WriteLine(parse.GetValue(json) ? JobOutput.Json(w => WriteComparison(w, comparisons)) : Describe(comparisons));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Report(CliHost host)
    {
        var job = CommonOptions.Job();
        var prices = PricesOption();
        var json = CommonOptions.Json();
        var command = new Command("report", "What a job did, from the store: wall time, cost at batch rates against a real-time loop, failures by cause, resubmissions, what is outstanding.") { job, prices, json };
        command.SetAction(parse => CliContext.RunAsync(parse, host, context =>
        {
            using var service = context.Service();
            var report = service.Report(parse.GetValue(job)!, PriceTable.Load(parse.GetValue(prices)));
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("jobId", report.JobId);
                    w.WriteNumber("records", report.Records);
                    w.WriteNumber("wallTimeSeconds", report.WallTime.TotalSeconds);
                    w.WriteNumber("batches", report.Batches);
                    w.WriteNumber("attempts", report.Attempts);
                    w.WriteNumber("resubmitted", report.Resubmitted);
                    w.WriteNumber("outstanding", report.Outstanding);
                    JobOutput.WriteRecords(w, "recordStates", report.Counts);
                    w.WriteStartObject("failuresByCause");
                    foreach (var cause in report.FailuresByCause)
                    {
                        w.WriteNumber(cause.Key, cause.Value);
                    }

                    w.WriteEndObject();
                    w.WriteNumber("batchCost", report.BatchCost);
                    w.WriteNumber("realtimeCost", report.RealtimeCost);
                    w.WriteNumber("saved", report.Saved);
                    w.WriteEndObject();
                }));
            }
            else
            {
                context.Out.WriteLine($"Job {report.JobId}{(report.Name is null ? string.Empty : " (" + report.Name + ")")}: {JobOutput.N(report.Records)} records in {report.Batches} batch(es), {report.Attempts} attempt(s), {report.WallTime.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min.");
                context.Out.WriteLine($"Records: {report.Counts}; {JobOutput.N(report.Resubmitted)} resubmitted; {JobOutput.N(report.Outstanding)} outstanding.");
                context.Out.WriteLine(report.FailuresByCause.Count == 0 ? "Failures: none." : "Failures by cause: " + string.Join(", ", report.FailuresByCause.Select(c => c.Key + " " + JobOutput.N(c.Value))));
                context.Out.WriteLine($"Cost: {Money(report.BatchCost)} paid at batch rates; a real-time loop would have cost {Money(report.RealtimeCost)}; saved {Money(report.Saved)}.");
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    public static Command Config(CliHost host)
    {
        var jobCap = new Option<decimal?>("--job-cap") { Description = "Refuse a submit whose estimated batch cost passes this many US dollars." };
        var monthlyCap = new Option<decimal?>("--monthly-cap") { Description = "Refuse a submit that would take this month's estimated batch spend past this many US dollars." };
        var clear = new Option<bool>("--clear-caps") { Description = "Remove both caps." };
        var json = CommonOptions.Json();
        var command = new Command("config", "Show or set the store's spending caps (per job and per calendar month, in US dollars at batch rates).") { jobCap, monthlyCap, clear, json };
        command.SetAction(parse => CliContext.RunAsync(parse, host, context =>
        {
            using var service = context.Service();
            var cap = service.SpendingCap;
            if (parse.GetValue(clear))
            {
                cap = new SpendingCap();
            }

            cap.PerJobUsd = parse.GetValue(jobCap) ?? cap.PerJobUsd;
            cap.PerMonthUsd = parse.GetValue(monthlyCap) ?? cap.PerMonthUsd;
            if (parse.GetValue(clear) || parse.GetResult(jobCap) is not null || parse.GetResult(monthlyCap) is not null)
            {
                service.SpendingCap = cap;
            }

            var month = new DateTimeOffset(host.Clock.UtcNow.Year, host.Clock.UtcNow.Month, 1, 0, 0, 0, TimeSpan.Zero);
            var spent = service.List().Where(j => j.CreatedAt >= month).Sum(j => j.EstimatedCostUsd ?? 0);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JobOutput.Json(w =>
                {
                    w.WriteStartObject();
                    Nullable(w, "jobCapUsd", cap.PerJobUsd);
                    Nullable(w, "monthlyCapUsd", cap.PerMonthUsd);
                    w.WriteNumber("submittedThisMonthUsd", spent);
                    w.WriteEndObject();
                }));
            }
            else
            {
                context.Out.WriteLine($"Per job: {(cap.PerJobUsd is { } j ? Money(j) : "no cap")}. Per month: {(cap.PerMonthUsd is { } m ? Money(m) : "no cap")}; submitted this month (estimated): {Money(spent)}.");
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static void Nullable(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static Option<string?> PricesOption() => new("--prices") { Description = "A JSON price file that overrides or extends the shipped price table (the same shape: a models array)." };

    private static string Usd(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Money(decimal value) => value.ToString("#,##0.00##", CultureInfo.InvariantCulture) + " USD";

    private static string Describe(List<CostComparison> comparisons)
    {
        var lines = new List<string>();
        foreach (var c in comparisons)
        {
            lines.Add(string.Format(CultureInfo.InvariantCulture, "{0} ({1} usage, prices as of {2}): {3:N0} requests, {4:N0} input tokens{5}, {6:N0} output tokens", c.Model, c.Basis, c.PricesAsOf, c.Requests, c.InputTokens, c.TokensExact ? string.Empty : " (estimated)", c.OutputTokens));
            lines.AddRange(JobOutput.Table(
                [string.Empty, "REAL TIME", "BATCH", "SAVED"],
                [
                    ["tokens", Money(c.RealtimeTokenCost), Money(c.BatchTokenCost), Money(c.RealtimeTokenCost - c.BatchTokenCost)],
                    ["operations", c.RealtimeOperations.ToString("N0", CultureInfo.InvariantCulture) + " x " + Money(c.PlatformCostPerOperation), c.BatchOperations.ToString("N0", CultureInfo.InvariantCulture) + " x " + Money(c.PlatformCostPerOperation), Money(c.RealtimePlatformCost - c.BatchPlatformCost)],
                    ["per run", Money(c.RealtimeCost), Money(c.BatchCost), Money(c.Savings) + string.Format(CultureInfo.InvariantCulture, " ({0:0.#}%)", c.SavingsPercent)],
                    .. c.RunsPerMonth is { } runs ? new[] { new[] { "per month (" + runs.ToString(CultureInfo.InvariantCulture) + " runs)", Money(c.MonthlyRealtimeCost!.Value), Money(c.MonthlyBatchCost!.Value), Money(c.MonthlySavings!.Value) } } : [],
                ]));
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>One object: the totals over every model (realtimeCost, batchCost, savings, …), then each model's own figures.</summary>
    private static void WriteComparison(Utf8JsonWriter w, List<CostComparison> comparisons)
    {
        w.WriteStartObject();
        WriteFigures(w, comparisons);
        w.WriteStartArray("byModel");
        foreach (var comparison in comparisons)
        {
            w.WriteStartObject();
            w.WriteString("model", comparison.Model);
            w.WriteString("pricesAsOf", comparison.PricesAsOf);
            w.WriteString("priceSource", comparison.PriceSource);
            w.WriteBoolean("tokensExact", comparison.TokensExact);
            WriteFigures(w, [comparison]);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteFigures(Utf8JsonWriter w, List<CostComparison> c)
    {
        var realtime = c.Sum(x => x.RealtimeCost);
        var batch = c.Sum(x => x.BatchCost);
        w.WriteString("basis", c.Count == 0 ? "planned" : c[0].Basis);
        w.WriteNumber("requests", c.Sum(x => x.Requests));
        w.WriteNumber("inputTokens", c.Sum(x => x.InputTokens));
        w.WriteNumber("cachedInputTokens", c.Sum(x => x.CachedInputTokens));
        w.WriteNumber("outputTokens", c.Sum(x => x.OutputTokens));
        w.WriteNumber("realtimeTokenCost", c.Sum(x => x.RealtimeTokenCost));
        w.WriteNumber("batchTokenCost", c.Sum(x => x.BatchTokenCost));
        w.WriteNumber("realtimeOperations", c.Sum(x => x.RealtimeOperations));
        w.WriteNumber("batchOperations", c.Sum(x => x.BatchOperations));
        w.WriteNumber("realtimePlatformCost", c.Sum(x => x.RealtimePlatformCost));
        w.WriteNumber("batchPlatformCost", c.Sum(x => x.BatchPlatformCost));
        w.WriteNumber("realtimeCost", realtime);
        w.WriteNumber("batchCost", batch);
        w.WriteNumber("savings", realtime - batch);
        w.WriteNumber("savingsPercent", realtime == 0 ? 0 : (realtime - batch) * 100 / realtime);
        if (c.Count > 0 && c[0].RunsPerMonth is { } runs)
        {
            w.WriteNumber("runsPerMonth", runs);
            w.WriteNumber("monthlyRealtimeCost", realtime * runs);
            w.WriteNumber("monthlyBatchCost", batch * runs);
            w.WriteNumber("monthlySavings", (realtime - batch) * runs);
        }
    }
}
