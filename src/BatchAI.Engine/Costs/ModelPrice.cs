namespace BatchAI.Costs;

/// <summary>One model's list prices, in US dollars per million tokens, with where they come from.</summary>
public sealed class ModelPrice
{
    public string Model { get; init; } = string.Empty;

    /// <summary>openai, anthropic or gemini (Azure OpenAI deployments are priced as the OpenAI model they deploy).</summary>
    public string Provider { get; init; } = string.Empty;

    public decimal InputPerMillion { get; init; }

    public decimal OutputPerMillion { get; init; }

    public decimal BatchInputPerMillion { get; init; }

    public decimal BatchOutputPerMillion { get; init; }

    /// <summary>Input read from the provider's prompt cache, where the provider has one.</summary>
    public decimal? CachedInputPerMillion { get; init; }

    /// <summary>'litellm' when the source lists the batch price, 'derived_50pct' when it is half the standard price, 'user' for prices given by hand.</summary>
    public string BatchPriceBasis { get; init; } = string.Empty;

    /// <summary>The date the prices were true on.</summary>
    public string AsOf { get; init; } = string.Empty;

    /// <summary>Where the prices come from: the shipped snapshot's source, or the user's file.</summary>
    public string Source { get; init; } = string.Empty;

    public override string ToString() => Model;
}
