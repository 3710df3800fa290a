namespace BatchAI.Costs;

/// <summary>What a run costs in each lane, on the token bill and on the automation platform's per-operation bill.</summary>
public sealed class CostComparison
{
    public string Model { get; init; } = string.Empty;

    /// <summary>"planned" (estimated before a run) or "actual" (the usage the provider reported).</summary>
    public string Basis { get; init; } = string.Empty;

    public long Requests { get; init; }

    public long InputTokens { get; init; }

    /// <summary>Of <see cref="InputTokens"/>, those read from the provider's prompt cache.</summary>
    public long CachedInputTokens { get; init; }

    public long OutputTokens { get; init; }

    /// <summary>Whether the input tokens were counted with the model's tokenizer (or reported by the provider) rather than approximated.</summary>
    public bool TokensExact { get; init; }

    public decimal RealtimeTokenCost { get; init; }

    public decimal BatchTokenCost { get; init; }

    /// <summary>Platform operations when a loop calls the model once per item.</summary>
    public long RealtimeOperations { get; init; }

    /// <summary>Platform operations for the batch flow: a handful per run (submit, check, receive).</summary>
    public long BatchOperations { get; init; }

    public decimal PlatformCostPerOperation { get; init; }

    public decimal RealtimePlatformCost => RealtimeOperations * PlatformCostPerOperation;

    public decimal BatchPlatformCost => BatchOperations * PlatformCostPerOperation;

    /// <summary>Tokens and platform operations, real time.</summary>
    public decimal RealtimeCost => RealtimeTokenCost + RealtimePlatformCost;

    /// <summary>Tokens and platform operations, batch.</summary>
    public decimal BatchCost => BatchTokenCost + BatchPlatformCost;

    public decimal Savings => RealtimeCost - BatchCost;

    public decimal SavingsPercent => RealtimeCost == 0 ? 0 : Savings * 100 / RealtimeCost;

    public int? RunsPerMonth { get; init; }

    public decimal? MonthlyRealtimeCost => RunsPerMonth * RealtimeCost;

    public decimal? MonthlyBatchCost => RunsPerMonth * BatchCost;

    public decimal? MonthlySavings => RunsPerMonth * Savings;

    public string PricesAsOf { get; init; } = string.Empty;

    public string PriceSource { get; init; } = string.Empty;

    public override string ToString() => $"{Model}: {RealtimeCost:0.####} USD real time, {BatchCost:0.####} USD batch, {SavingsPercent:0.#}% saved";
}

/// <summary>The token and operation counts a comparison is made from, and how to price the platform.</summary>
public sealed class CostInputs
{
    public long Requests { get; set; }

    public long InputTokens { get; set; }

    public long CachedInputTokens { get; set; }

    public long OutputTokens { get; set; }

    public bool TokensExact { get; set; }

    /// <summary>"planned" or "actual".</summary>
    public string Basis { get; set; } = "planned";

    /// <summary>What the automation platform charges per operation (a Zapier task, a Make operation, a Power Automate action); 0 when none.</summary>
    public decimal PlatformCostPerOperation { get; set; }

    /// <summary>Operations a loop spends per item (the model call step); default 1.</summary>
    public int OperationsPerItem { get; set; } = 1;

    /// <summary>Operations the batch flow spends per run (submit, check, receive); default 3.</summary>
    public int OperationsPerBatchRun { get; set; } = 3;

    public int? RunsPerMonth { get; set; }

    /// <summary>Whether the batch discount also halves cached input (Anthropic says discounts stack; sources differ, so it is a setting).</summary>
    public bool BatchDiscountsCachedInput { get; set; } = true;
}

/// <summary>Prices a run both ways. All figures are US dollars, unrounded (decimal).</summary>
public static class CostCalculator
{
    private const decimal Million = 1_000_000m;

    public static CostComparison Compare(ModelPrice price, CostInputs inputs)
    {
        if (price is null || inputs is null)
        {
            throw new ArgumentNullException(price is null ? nameof(price) : nameof(inputs));
        }

        if (inputs.Requests < 0 || inputs.InputTokens < 0 || inputs.OutputTokens < 0 || inputs.CachedInputTokens < 0 || inputs.CachedInputTokens > inputs.InputTokens
            || inputs.PlatformCostPerOperation < 0 || inputs.OperationsPerItem < 0 || inputs.OperationsPerBatchRun < 0 || inputs.RunsPerMonth < 0)
        {
            throw BatchAIException.InvalidInput("CostInputInvalid", "Counts, prices and runs cannot be negative, and cached input tokens cannot exceed input tokens.");
        }

        var uncached = inputs.InputTokens - inputs.CachedInputTokens;
        var cachedPrice = price.CachedInputPerMillion ?? price.InputPerMillion;
        var batchCachedPrice = price.CachedInputPerMillion is { } cached ? (inputs.BatchDiscountsCachedInput ? cached / 2 : cached) : price.BatchInputPerMillion;
        return new CostComparison
        {
            Model = price.Model,
            Basis = inputs.Basis,
            Requests = inputs.Requests,
            InputTokens = inputs.InputTokens,
            CachedInputTokens = inputs.CachedInputTokens,
            OutputTokens = inputs.OutputTokens,
            TokensExact = inputs.TokensExact,
            RealtimeTokenCost = ((uncached * price.InputPerMillion) + (inputs.CachedInputTokens * cachedPrice) + (inputs.OutputTokens * price.OutputPerMillion)) / Million,
            BatchTokenCost = ((uncached * price.BatchInputPerMillion) + (inputs.CachedInputTokens * batchCachedPrice) + (inputs.OutputTokens * price.BatchOutputPerMillion)) / Million,
            RealtimeOperations = inputs.Requests * inputs.OperationsPerItem,
            BatchOperations = inputs.Requests == 0 ? 0 : inputs.OperationsPerBatchRun,
            PlatformCostPerOperation = inputs.PlatformCostPerOperation,
            RunsPerMonth = inputs.RunsPerMonth,
            PricesAsOf = price.AsOf,
            PriceSource = price.Source,
        };
    }
}
