using System.CommandLine;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Cli.Infrastructure;

/// <summary>
/// The options that turn a file of records into requests, and say where they go: shared by <c>submit</c> (batch),
/// <c>run</c> (real time), <c>side-by-side</c> (both) and <c>compare --input</c>, so each reads them the same way.
/// </summary>
internal sealed class RequestArguments
{
    public Option<string> Input { get; } = new("--input", "-i") { Description = "The records: a .csv, .tsv or .jsonl file.", Required = true };

    public Option<string> Provider { get; } = CommonOptions.Provider();

    public Option<string> Model { get; } = new("--model", "-m") { Description = "The model, e.g. gpt-4o-mini or claude-haiku-4-5; for azure-openai the name of a deployment.", Required = true };

    public Option<string?> Prompt { get; } = new("--prompt", "-p") { Description = "The prompt, with {Column} placeholders ({{ and }} for literal braces)." };

    public Option<string?> PromptColumn { get; } = new("--prompt-column") { Description = "A column that holds the whole prompt (instead of --prompt)." };

    public Option<string?> System { get; } = new("--system") { Description = "System instructions sent with every request." };

    public Option<string?> IdColumn { get; } = new("--id-column") { Description = "A column with each record's custom id (1-64 of A-Z a-z 0-9 _ -); default: row-<n>." };

    public Option<string?> Schema { get; } = new("--schema") { Description = "A JSON Schema file: answers are JSON that follows it." };

    public Option<int?> MaxTokens { get; } = new("--max-tokens") { Description = "The most output tokens per answer." };

    public Option<double?> Temperature { get; } = new("--temperature") { Description = "Sampling temperature, 0 to 2 (Anthropic: 0 to 1)." };

    public Option<string?> BaseUrl { get; } = new("--base-url") { Description = "The provider's base URL as its SDK takes it: OpenAI http://host/v1, Anthropic and Gemini http://host, Azure the resource endpoint (default AZURE_OPENAI_ENDPOINT). For batchai emulator, a gateway or a compatible server." };

    public Option<string?> ApiVersion { get; } = new("--api-version") { Description = "azure-openai: a dated API version (e.g. 2024-10-21) for the legacy routes; default the v1 routes. gemini: v1beta (default) or v1." };

    public Option<bool> Emulator { get; } = new("--emulator") { Description = "Run on the in-process emulator (no network, no key, no cost)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Input, Provider, Model, Prompt, PromptColumn, System, IdColumn, Schema, MaxTokens, Temperature, BaseUrl, ApiVersion, Emulator })
        {
            command.Options.Add(option);
        }
    }

    public RequestOptions Options(ParseResult parse)
    {
        var options = new RequestOptions
        {
            Prompt = CliContext.Template(parse.GetValue(Prompt)),
            PromptColumn = parse.GetValue(PromptColumn),
            SystemPrompt = parse.GetValue(System),
            Model = parse.GetValue(Model) ?? string.Empty,
            MaxOutputTokens = parse.GetValue(MaxTokens),
            Temperature = parse.GetValue(Temperature),
            IdColumn = parse.GetValue(IdColumn),
        };
        if (parse.GetValue(Schema) is { } schemaPath)
        {
            options.Schema = ResponseSchema.FromFile(schemaPath);
        }

        options.Validate();
        return options;
    }

    public ProviderConnection Connection(ParseResult parse, CliContext context) => new()
    {
        Provider = ProviderNames.Parse(parse.GetValue(Provider)!),
        BaseUrl = parse.GetValue(BaseUrl),
        ApiVersion = parse.GetValue(ApiVersion),
        UseEmulator = parse.GetValue(Emulator),
        ApiKey = context.ApiKey,
    };

    /// <summary>
    /// Every request of the file, all at once (the real-time lane's volumes are small: someone waits on each), with the
    /// columns seen; a bad record is printed and makes the whole run an input error, as for submit.
    /// </summary>
    public (List<BatchRequest> Requests, List<string> Columns) ReadAll(ParseResult parse, CliContext context, RequestOptions options)
    {
        using var records = RecordFiles.Open(parse.GetValue(Input)!);
        var factory = new BatchRequestFactory(options, detectDuplicateIds: true);
        var requests = new List<BatchRequest>();
        var columns = new List<string>();
        var problems = new List<RecordProblem>();
        foreach (var item in records.Read())
        {
            var found = item.Problem is { } unreadable ? [unreadable] : factory.Build(item.Record!) is var built && built.Request is { } request ? Add(request) : built.Problems;
            foreach (var problem in found)
            {
                context.Reporter.Problem(problem);
                problems.Add(problem);
            }
        }

        return problems.Count > 0 ? throw new InvalidRecordsException(problems.Take(100).ToList(), problems.Count) : (requests, columns);

        IReadOnlyList<RecordProblem> Add(BatchRequest request)
        {
            requests.Add(request);
            foreach (var name in request.Source.Columns.Names.Where(n => !columns.Contains(n)))
            {
                columns.Add(name);
            }

            return [];
        }
    }
}
