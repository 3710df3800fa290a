using System.CommandLine;
using System.Globalization;
using BatchAI.Cli.Infrastructure;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Cli.Commands;

/// <summary>
/// <c>batchai demo</c>: the bundled sample of support tickets through the whole path on the in-process emulator:
/// submit with a JSON schema, wait, receive joined to the tickets, and a summary of what came back.
/// </summary>
internal static class DemoCommand
{
    public const string Prompt = "Triage this support ticket.\nSubject: {subject}\n\n{body}";
    public const string System = "You triage customer support tickets: choose a category and a priority from 1 (low) to 5 (urgent), and summarize the request in one sentence.";

    public static Command Create(CliHost host)
    {
        var output = new Option<string>("--out", "-o") { Description = "Where to write the results.", DefaultValueFactory = _ => "batchai-demo-results.csv" };
        var processing = new Option<double?>("--processing-seconds") { Description = "How long the emulated batch takes (default 2)." };
        var provider = CommonOptions.Provider();
        provider.Description = "The provider whose emulated Batch API runs the demo.";
        var command = new Command("demo", "Run the bundled sample of support tickets through submit, wait and receive on the in-process emulator.") { output, processing, provider };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var samples = Path.Combine(AppContext.BaseDirectory, "samples");
            var input = Path.Combine(samples, "tickets.csv");
            var schemaPath = Path.Combine(samples, "ticket-triage.schema.json");
            var store = context.Store ?? Path.Combine(Path.GetTempPath(), "batchai-demo-" + host.Clock.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var outPath = Path.GetFullPath(parse.GetValue(output)!);
            var say = context.Out;
            say.WriteLine("BatchAI demo: triage support tickets at batch price, on the in-process emulator (no network, no key, no cost).");
            say.WriteLine($"  input   {input}");
            say.WriteLine($"  store   {store}");
            say.WriteLine();

            var kind = ProviderNames.Parse(parse.GetValue(provider)!);
            var model = ProviderNames.ExampleModel(kind);
            using var service = host.CreateService(store, parse.GetValue(processing) ?? 2);
            var options = new RequestOptions
            {
                Prompt = PromptTemplate.Parse(Prompt),
                SystemPrompt = System,
                Model = model,
                IdColumn = "ticket_id",
                MaxOutputTokens = 300,
                Schema = ResponseSchema.FromFile(schemaPath),
            };
            var definition = new JobDefinition { Name = "demo", Input = "tickets.csv", Connection = new ProviderConnection { Provider = kind, UseEmulator = true } };
            BatchJob job;
            using (var records = RecordFiles.Open(input))
            {
                job = await RecordSubmission.SubmitAsync(service, records, options, definition, context.Reporter, cancellationToken).ConfigureAwait(false);
            }

            say.WriteLine($"1. Submitted {job.RequestCount} tickets as job {job.Id}, one {ProviderNames.DisplayName(kind)} batch of {job.Batches[0].Requests} requests.");
            var outcome = await service.WaitAsync(job.Id, new WaitOptions { FirstPollInterval = TimeSpan.FromSeconds(0.5) }, null, context.Reporter, cancellationToken).ConfigureAwait(false);
            say.WriteLine($"2. Waited until the batch was final: {outcome.Job.BatchSummary}.");

            var rows = new List<BatchResult>();
            ReceiveSummary summary;
            using (var writer = ResultFileWriter.Create(outPath, outcome.Job.Columns, context.Reporter))
            {
                summary = await service.ReceiveAsync(job.Id, r => { writer.Write(r); rows.Add(r); }, null, context.Reporter, cancellationToken).ConfigureAwait(false);
                writer.Complete();
            }

            say.WriteLine($"3. Received {summary} and joined them to the tickets: {outPath}");
            say.WriteLine();
            foreach (var line in JobOutput.Table(["TICKET", "SUBJECT", "CATEGORY", "PRIORITY", "TOKENS IN/OUT"], rows.Select(Row)))
            {
                say.WriteLine("   " + line);
            }

            say.WriteLine();
            say.WriteLine($"The answers are emulated (deterministic, schema-valid). Against {ProviderNames.DisplayName(kind)} the same commands are:");
            say.WriteLine($"  batchai submit --provider {ProviderNames.CommandLineName(kind)} --input tickets.csv --model {model} --id-column ticket_id --schema ticket-triage.schema.json --prompt \"...\" --name tickets");
            say.WriteLine("  batchai wait tickets && batchai receive tickets --out results.csv");
            return summary.Total == summary.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static string[] Row(BatchResult result)
    {
        var answer = result.ParseJson() as IReadOnlyDictionary<string, object?>;
        string Field(string name) => answer is not null && answer.TryGetValue(name, out var value) ? RecordValue.ToText(value) : string.Empty;
        result.Source.TryGetValue("subject", out var subject);
        var text = RecordValue.ToText(subject);
        return
        [
            result.CustomId,
            text.Length > 38 ? string.Concat(text.AsSpan(0, 37), "…") : text,
            result.Status == ResultStatus.Succeeded ? Field("category") : result.Status + ": " + result.ErrorCode,
            Field("priority"),
            string.Format(CultureInfo.InvariantCulture, "{0}/{1}", result.InputTokens, result.OutputTokens),
        ];
    }
}
