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
        var input = new Option<string>("--input", "-i") { Description = "The records: a .csv, .tsv or .jsonl file.", Required = true };
        var provider = CommonOptions.Provider();
        var model = new Option<string>("--model", "-m") { Description = "The model, e.g. gpt-4o-mini or claude-haiku-4-5; for azure-openai the name of a Global Batch deployment.", Required = true };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "The prompt, with {Column} placeholders ({{ and }} for literal braces)." };
        var promptColumn = new Option<string?>("--prompt-column") { Description = "A column that holds the whole prompt (instead of --prompt)." };
        var system = new Option<string?>("--system") { Description = "System instructions sent with every request." };
        var idColumn = new Option<string?>("--id-column") { Description = "A column with each record's custom id (1-64 of A-Z a-z 0-9 _ -); default: row-<n>." };
        var schema = new Option<string?>("--schema") { Description = "A JSON Schema file: answers are JSON that follows it." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "The most output tokens per answer." };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature, 0 to 2." };
        var name = new Option<string?>("--name", "-n") { Description = "A name to address the job by, e.g. tickets-nightly." };
        var baseUrl = new Option<string?>("--base-url") { Description = "The provider's base URL as its SDK takes it: OpenAI http://host/v1, Anthropic and Gemini http://host, Azure the resource endpoint (default AZURE_OPENAI_ENDPOINT). For batchai emulator, a gateway or a compatible server." };
        var apiVersion = new Option<string?>("--api-version") { Description = "azure-openai: a dated API version (e.g. 2024-10-21) for the legacy routes; default the v1 routes. gemini: v1beta (default) or v1." };
        var batchSize = new Option<int?>("--batch-size") { Description = "At most this many requests per provider batch (default: the provider's limit, e.g. 50,000 for OpenAI)." };
        var keepFiles = new Option<bool>("--keep-provider-files") { Description = "Keep the input and output files at the provider after the results are received (default: delete them, so storage quotas do not fill up)." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Leave invalid records out and submit the rest (each left-out record is listed, and kept in the job's skipped.jsonl). By default one invalid record stops the job: nothing is sent." };
        var pilot = new Option<long?>("--pilot") { Description = "Submit only the first N records; the rest are prepared and held until you release them (batchai release <job>) after checking the pilot's results." };
        var emulator = new Option<bool>("--emulator") { Description = "Run on the in-process emulator (no network, no key, no cost)." };
        var json = CommonOptions.Json();
        var command = new Command("submit", "Prepare requests from a file of records and submit them as batch jobs. The last line of output is the job id.")
        {
            input, provider, model, prompt, promptColumn, system, idColumn, schema, maxTokens, temperature, name, baseUrl, apiVersion, batchSize, keepFiles, skipInvalid, pilot, emulator, json,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, host, async context =>
        {
            var options = new RequestOptions
            {
                Prompt = CliContext.Template(parse.GetValue(prompt)),
                PromptColumn = parse.GetValue(promptColumn),
                SystemPrompt = parse.GetValue(system),
                Model = parse.GetValue(model) ?? string.Empty,
                MaxOutputTokens = parse.GetValue(maxTokens),
                Temperature = parse.GetValue(temperature),
                IdColumn = parse.GetValue(idColumn),
            };
            if (parse.GetValue(schema) is { } schemaPath)
            {
                options.Schema = ResponseSchema.FromFile(schemaPath);
            }

            options.Validate();
            var path = parse.GetValue(input)!;
            var definition = new JobDefinition
            {
                Name = parse.GetValue(name),
                Input = Path.GetFileName(path),
                MaxRequestsPerBatch = parse.GetValue(batchSize),
                KeepProviderFiles = parse.GetValue(keepFiles),
                SkipInvalidRecords = parse.GetValue(skipInvalid),
                PilotSize = parse.GetValue(pilot),
                Connection = new ProviderConnection
                {
                    Provider = ProviderNames.Parse(parse.GetValue(provider)!),
                    BaseUrl = parse.GetValue(baseUrl),
                    ApiVersion = parse.GetValue(apiVersion),
                    UseEmulator = parse.GetValue(emulator),
                    ApiKey = context.ApiKey,
                },
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
                context.Out.WriteLine($"Submitted {JobOutput.N(job.RequestCount)} request(s) in {job.Batches.Count} batch(es) to {ProviderNames.DisplayName(job.Provider)}{(job.Emulated ? " (in-process emulator)" : string.Empty)} as job {job}.");
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
}
