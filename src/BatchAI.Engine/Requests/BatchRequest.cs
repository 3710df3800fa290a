namespace BatchAI.Requests;

/// <summary>
/// One model call to make in a batch, in provider-neutral form, with the record it came from. Providers turn it
/// into their own request line; the job ledger keeps it so results can be joined back to <see cref="Source"/>.
/// </summary>
public sealed class BatchRequest
{
    public BatchRequest(
        string customId,
        SourceRecord source,
        string prompt,
        string model,
        string? systemPrompt = null,
        int? maxOutputTokens = null,
        double? temperature = null,
        ResponseSchema? schema = null)
    {
        if (CustomIds.Explain(customId) is { } idProblem)
        {
            throw new ArgumentException(idProblem, nameof(customId));
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("The prompt is empty.", nameof(prompt));
        }

        if (string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException("The model is empty.", nameof(model));
        }

        RequestOptions.CheckMaxOutputTokens(maxOutputTokens);
        RequestOptions.CheckTemperature(temperature);
        CustomId = customId;
        Source = source ?? throw new ArgumentNullException(nameof(source));
        Prompt = prompt;
        Model = model;
        SystemPrompt = string.IsNullOrEmpty(systemPrompt) ? null : systemPrompt;
        MaxOutputTokens = maxOutputTokens;
        Temperature = temperature;
        Schema = schema;
    }

    public string CustomId { get; }

    public long RowNumber => Source.RowNumber;

    public string Prompt { get; }

    public string? SystemPrompt { get; }

    public string Model { get; }

    public int? MaxOutputTokens { get; }

    public double? Temperature { get; }

    public ResponseSchema? Schema { get; }

    public SourceRecord Source { get; }

    public override string ToString() => CustomId;
}
