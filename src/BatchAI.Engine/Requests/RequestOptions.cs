using System.Globalization;

namespace BatchAI.Requests;

/// <summary>How records become requests: where the prompt and the custom id come from, and the model settings.</summary>
public sealed class RequestOptions
{
    /// <summary>The prompt, with <c>{Column}</c> placeholders. Exactly one of this and <see cref="PromptColumn"/>.</summary>
    public PromptTemplate? Prompt { get; set; }

    /// <summary>The column that holds the whole prompt. Exactly one of this and <see cref="Prompt"/>.</summary>
    public string? PromptColumn { get; set; }

    public string? SystemPrompt { get; set; }

    public string Model { get; set; } = string.Empty;

    public int? MaxOutputTokens { get; set; }

    public double? Temperature { get; set; }

    public ResponseSchema? Schema { get; set; }

    /// <summary>The column that holds each record's custom id; when null, ids are generated from row numbers.</summary>
    public string? IdColumn { get; set; }

    /// <exception cref="BatchAIException">The options contradict each other or are out of range.</exception>
    public void Validate()
    {
        if ((Prompt is null) == string.IsNullOrEmpty(PromptColumn))
        {
            throw BatchAIException.InvalidInput("PromptMissing", "Give exactly one of a prompt template (-Prompt / --prompt) and a prompt column (-PromptColumn / --prompt-column).");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            throw BatchAIException.InvalidInput("ModelMissing", "A model is required (-Model / --model), for example gpt-4o-mini.");
        }

        CheckMaxOutputTokens(MaxOutputTokens);
        CheckTemperature(Temperature);
        if (IdColumn is { Length: 0 })
        {
            throw BatchAIException.InvalidInput("IdColumnInvalid", "The id column name is empty.");
        }
    }

    internal static void CheckMaxOutputTokens(int? value)
    {
        if (value is { } n && n < 1)
        {
            throw BatchAIException.InvalidInput("MaxTokensInvalid", string.Format(CultureInfo.InvariantCulture, "The maximum number of output tokens must be at least 1; {0} was given.", n));
        }
    }

    internal static void CheckTemperature(double? value)
    {
        if (value is { } t && (double.IsNaN(t) || t < 0 || t > 2))
        {
            throw BatchAIException.InvalidInput("TemperatureInvalid", string.Format(CultureInfo.InvariantCulture, "The temperature must be between 0 and 2; {0} was given.", t));
        }
    }
}
