using BatchAI.Costs;
using BatchAI.Engine.Tests.Support;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Costs;

/// <summary>Prices from the dated snapshot (and the user's file), token estimates, and both lanes' costs checked by hand.</summary>
public sealed class CostTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void TheSnapshotKnowsTheSupportedProvidersModelsWithTheirDateAndSource()
    {
        var table = PriceTable.Load();
        var mini = table.Find("gpt-4o-mini");

        Assert.Equal("2026-07-24", table.AsOf);
        Assert.Contains("LiteLLM", table.Source, StringComparison.Ordinal);
        Assert.Equal((0.15m, 0.6m, 0.075m, 0.3m, 0.075m), (mini.InputPerMillion, mini.OutputPerMillion, mini.BatchInputPerMillion, mini.BatchOutputPerMillion, mini.CachedInputPerMillion));
        Assert.Equal(("openai", "2026-07-24"), (mini.Provider, mini.AsOf));
        Assert.Equal(new[] { "anthropic", "gemini", "openai" }, table.Prices.Select(p => p.Provider).Distinct().Order());
        Assert.Equal(2.5m, table.Find("claude-haiku-4-5").BatchOutputPerMillion);
    }

    [Fact]
    public void AnUnknownModelNamesTheClosestKnownOnesAndHowToGivePrices()
    {
        var error = Assert.Throws<BatchAIException>(() => PriceTable.Load().Find("gpt-4o-mini-batch"));

        Assert.Equal(("ModelPriceUnknown", ErrorKind.NotFound), (error.ErrorId, error.Kind));
        Assert.Contains("Closest known: gpt-4o-mini", error.Message, StringComparison.Ordinal);
        Assert.Contains("-PriceFile / --prices", error.Message, StringComparison.Ordinal);
        Assert.Contains("-InputPrice and -OutputPrice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AUserFileOverridesAndExtendsTheSnapshot()
    {
        var file = _dir.File("prices.json");
        File.WriteAllText(file, """{"as_of":"2026-11-01","models":[{"model":"gpt-4o-mini","provider":"openai","input_per_mtok":0.2,"output_per_mtok":0.8},{"model":"gpt-4o-mini-batch","provider":"openai","input_per_mtok":0.15,"output_per_mtok":0.6,"batch_input_per_mtok":0.07,"batch_output_per_mtok":0.29}]}""");

        var table = PriceTable.Load(file);
        var overridden = table.Find("gpt-4o-mini");
        var added = table.Find("gpt-4o-mini-batch");

        Assert.Equal((0.2m, 0.1m, 0.4m, "derived_50pct", "2026-11-01"), (overridden.InputPerMillion, overridden.BatchInputPerMillion, overridden.BatchOutputPerMillion, overridden.BatchPriceBasis, overridden.AsOf));
        Assert.Contains("prices.json", overridden.Source, StringComparison.Ordinal);
        Assert.Equal((0.07m, 0.29m, "user"), (added.BatchInputPerMillion, added.BatchOutputPerMillion, added.BatchPriceBasis));
        Assert.Equal(1.0m, table.Find("claude-haiku-4-5").InputPerMillion); // the rest of the snapshot stays
    }

    [Fact]
    public void ABrokenPriceFileNamesWhatIsMissing()
    {
        var file = _dir.File("prices.json");
        File.WriteAllText(file, """{"models":[{"model":"x","provider":"openai","input_per_mtok":1}]}""");

        var error = Assert.Throws<BatchAIException>(() => PriceTable.Load(file));

        Assert.Equal("PriceFileInvalid", error.ErrorId);
        Assert.Contains("'output_per_mtok'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BothLanesMatchAHandCalculationForPlannedUsage()
    {
        // 10,000 requests of 1,200 input and 300 output tokens on gpt-4o-mini, a platform at $0.01 per operation, 30 runs a month.
        var comparison = CostCalculator.Compare(PriceTable.Load().Find("gpt-4o-mini"), new CostInputs
        {
            Requests = 10_000,
            InputTokens = 12_000_000,
            OutputTokens = 3_000_000,
            PlatformCostPerOperation = 0.01m,
            RunsPerMonth = 30,
        });

        // By hand: real time 12 M x 0.15 + 3 M x 0.60 = 1.80 + 1.80 = 3.60 USD; batch 12 M x 0.075 + 3 M x 0.30 = 0.90 + 0.90 = 1.80 USD.
        // Operations: 10,000 x 1 x 0.01 = 100.00 USD in a loop; 3 x 0.01 = 0.03 USD for the batch flow.
        Assert.Equal(3.60m, comparison.RealtimeTokenCost);
        Assert.Equal(1.80m, comparison.BatchTokenCost);
        Assert.Equal((10_000L, 3L), (comparison.RealtimeOperations, comparison.BatchOperations));
        Assert.Equal(103.60m, comparison.RealtimeCost);
        Assert.Equal(1.83m, comparison.BatchCost);
        Assert.Equal(101.77m, comparison.Savings);
        Assert.Equal(101.77m * 100 / 103.60m, comparison.SavingsPercent);
        Assert.Equal((3108.00m, 54.90m, 3053.10m), (comparison.MonthlyRealtimeCost!.Value, comparison.MonthlyBatchCost!.Value, comparison.MonthlySavings!.Value));
    }

    [Fact]
    public void CachedInputIsPricedAtTheCachePriceAndTheBatchDiscountIsASetting()
    {
        var haiku = PriceTable.Load().Find("claude-haiku-4-5"); // input 1.00, cached 0.10, output 5.00; batch 0.50 / 2.50
        var inputs = new CostInputs { Requests = 1, InputTokens = 1_000_000, CachedInputTokens = 400_000, OutputTokens = 100_000, Basis = "actual" };

        var stacked = CostCalculator.Compare(haiku, inputs);
        inputs.BatchDiscountsCachedInput = false;
        var notStacked = CostCalculator.Compare(haiku, inputs);

        // Real time: 0.6 M x 1.00 + 0.4 M x 0.10 + 0.1 M x 5.00 = 0.60 + 0.04 + 0.50 = 1.14 USD.
        Assert.Equal(1.14m, stacked.RealtimeTokenCost);
        // Batch, discounts stacked: 0.6 M x 0.50 + 0.4 M x 0.05 + 0.1 M x 2.50 = 0.30 + 0.02 + 0.25 = 0.57 USD; not stacked: 0.59 USD.
        Assert.Equal(0.57m, stacked.BatchTokenCost);
        Assert.Equal(0.59m, notStacked.BatchTokenCost);
        Assert.Equal("actual", stacked.Basis);
    }

    [Fact]
    public void OpenAIPromptsAreCountedExactlyWithTheirTokenizer()
    {
        var source = SourceRecord.FromPairs(1, [new("n", 1)]);
        var hello = TokenEstimator.Estimate(new BatchRequest("a", source, "Hello world", "gpt-4o-mini"));
        var withSystem = TokenEstimator.Estimate(new BatchRequest("b", source, "Hello world", "gpt-4o-mini", systemPrompt: "Be brief."));

        // o200k_base: "Hello world" is 2 tokens, "Be brief." 3; each message adds 3, the reply 3.
        Assert.Equal((8L, true, "o200k_base tokenizer"), (hello.Tokens, hello.Exact, hello.Method));
        Assert.Equal(14L, withSystem.Tokens);
    }

    [Fact]
    public void OtherModelsAreApproximatedAsDocumented()
    {
        var source = SourceRecord.FromPairs(1, [new("n", 1)]);
        var estimate = TokenEstimator.Estimate(new BatchRequest("a", source, new string('x', 400), "claude-haiku-4-5"));

        Assert.Equal((104L, false), (estimate.Tokens, estimate.Exact)); // 400 / 4 + 4 per message
        Assert.Equal(2, TokenEstimator.Approximate("日本"));             // 2 / 1.5, rounded up
        Assert.Equal(1, TokenEstimator.Approximate("🎉"));               // one character, not two UTF-16 units
    }

    [Fact]
    public void TheApproximationCountsEveryKindOfCharacterAtEveryLength()
    {
        // Counted a vector at a time with the rest one by one: check it against the rule, character by character.
        static long ByRule(string text)
        {
            long ascii = 0, other = 0;
            foreach (var c in text)
            {
                if (char.IsLowSurrogate(c))
                {
                    continue;
                }

                if (c < 128)
                {
                    ascii++;
                }
                else
                {
                    other++;
                }
            }

            return (long)Math.Ceiling((ascii / 4.0) + (other / 1.5));
        }

        var random = new Random(5);
        string[] pieces = ["a", " ", "\n", "é", "日", "😀", "\u007F", "\u0080", "\uDBFF", "\uDC00", "\uFFFF"];
        for (var length = 0; length < 200; length++)
        {
            var text = string.Concat(Enumerable.Range(0, length).Select(_ => pieces[random.Next(pieces.Length)]));
            Assert.Equal(ByRule(text), TokenEstimator.Approximate(text));
        }
    }

    [Fact]
    public void AWholeRequestIsApproximatedAsTheEstimateWithoutATokenizerIsAndAPlanCountsItTheSame()
    {
        var source = SourceRecord.FromPairs(1, [new("n", 1)]);
        var schema = ResponseSchema.Parse("""{"type":"object","properties":{"label":{"type":"string"}}}""");
        var request = new BatchRequest("a", source, "Classify: Zoë 日本語 \"x\"", "gpt-4o-mini", systemPrompt: "Be brief.", maxOutputTokens: 20, schema: schema);
        var plain = new BatchRequest("b", source, new string('x', 41), "gpt-4o-mini");

        Assert.Equal(TokenEstimator.Estimate(request, useTokenizer: false).Tokens, TokenEstimator.Approximate(request));
        Assert.Equal(15L, TokenEstimator.Approximate(plain)); // 41 / 4 rounded up, + 4 for the message

        var byRequest = new CostPlanner(fallbackOutputTokens: 100, useTokenizer: false);
        var approximated = new CostPlanner(fallbackOutputTokens: 100, useTokenizer: false);
        foreach (var r in new[] { request, plain })
        {
            byRequest.Add(r);
            approximated.AddApproximated(r.Model, r.MaxOutputTokens, TokenEstimator.Approximate(r));
        }

        var expected = byRequest.Totals.Single().Value;
        var actual = approximated.Totals.Single().Value;
        Assert.Equal((expected.Requests, expected.InputTokens, expected.OutputTokens, expected.TokensExact), (actual.Requests, actual.InputTokens, actual.OutputTokens, actual.TokensExact));
        Assert.Equal(120L, actual.OutputTokens); // 20 given, 100 assumed
    }

    [Fact]
    public void APlanAddsUpEachModelsRequests()
    {
        var planner = new CostPlanner(outputTokensPerRequest: 50);
        var source = SourceRecord.FromPairs(1, [new("n", 1)]);
        planner.Add(new BatchRequest("a", source, "Hello world", "gpt-4o-mini"));
        planner.Add(new BatchRequest("b", source, "Hello world", "gpt-4o-mini"));
        planner.Add(new BatchRequest("c", source, new string('x', 40), "claude-haiku-4-5"));

        var totals = planner.Totals.ToDictionary(t => t.Key, t => t.Value);

        Assert.Equal((2L, 16L, 100L, true), (totals["gpt-4o-mini"].Requests, totals["gpt-4o-mini"].InputTokens, totals["gpt-4o-mini"].OutputTokens, totals["gpt-4o-mini"].TokensExact));
        Assert.Equal((1L, 14L, false), (totals["claude-haiku-4-5"].Requests, totals["claude-haiku-4-5"].InputTokens, totals["claude-haiku-4-5"].TokensExact));
    }

    [Fact]
    public void APlanWithoutAnOutputEstimateSaysWhatToGive()
    {
        var error = Assert.Throws<BatchAIException>(() => new CostPlanner().Add(EngineHarness.Request(1)));

        Assert.Equal("OutputTokensMissing", error.ErrorId);
    }

    [Fact]
    public async Task AFinishedJobsActualUsageIsWhatTheProviderReportedForEveryAttempt()
    {
        using var harness = new EngineHarness();
        var job = await harness.SubmitAsync(Enumerable.Range(1, 5).Select(i => EngineHarness.Request(i)));
        await harness.WaitAsync(job.Id);
        var (_, results) = await harness.ReceiveAsync(job.Id);

        var usage = Assert.Single(harness.Service.ActualUsage(job.Id));
        var comparison = CostCalculator.Compare(PriceTable.Load().Find(usage.Key), usage.Value);

        Assert.Equal("gpt-4o-mini", usage.Key);
        Assert.Equal((5L, results.Sum(r => (long)r.InputTokens!), results.Sum(r => (long)r.OutputTokens!)), (usage.Value.Requests, usage.Value.InputTokens, usage.Value.OutputTokens));
        Assert.Equal(((usage.Value.InputTokens * 0.075m) + (usage.Value.OutputTokens * 0.3m)) / 1_000_000m, comparison.BatchTokenCost);
        Assert.Equal("actual", comparison.Basis);
    }

    public void Dispose() => _dir.Dispose();
}
