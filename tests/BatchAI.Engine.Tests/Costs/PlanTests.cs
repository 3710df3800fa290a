using BatchAI.Engine.Tests.Support;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Costs;

/// <summary>
/// The estimate from a file of records (<c>batchai compare --input</c>): the same requests submit would make, read
/// once; a bad record refuses the estimate with its row and field, as it would refuse the submit.
/// </summary>
public sealed class PlanTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    [Fact]
    public async Task AFileIsEstimatedOfflineOrWithTheProvidersCountPerRecord()
    {
        var path = Csv("id,subject", "1,Printer jams on duplex", "2,Login fails", "3,Invoice missing");
        var options = EngineHarness.Options("Triage: {subject}", o => o.IdColumn = "id");

        var offline = await PlanAsync(path, options, countWith: null);
        var counted = await PlanAsync(path, options, new ProviderConnection { UseEmulator = true });

        var (model, totals) = Assert.Single(offline);
        Assert.Equal(("gpt-4o-mini", 3L, 150L, true), (model, totals.Requests, totals.OutputTokens, totals.TokensExact));
        Assert.Equal(3L, Assert.Single(counted).Value.Requests);
        Assert.True(Assert.Single(counted).Value.InputTokens > 0);
    }

    [Fact]
    public async Task ABadRecordRefusesTheEstimateNamingItsRowAndFieldAndStopsTheProviderCalls()
    {
        var path = Csv("id,subject", "1,Printer jams", "2,", "3,Login fails");
        var calls = new CallCounter();
        _harness.Wrap = emulator => calls.Around(emulator);

        var error = await Assert.ThrowsAsync<InvalidRecordsException>(() => PlanAsync(path, EngineHarness.Options("{subject}", o => o.IdColumn = "id"), new ProviderConnection { UseEmulator = true }));

        var problem = Assert.Single(error.Problems);
        Assert.Equal((2L, "PromptEmpty"), (problem.RowNumber, problem.ErrorId));
        Assert.Single(_harness.Reporter.Problems);
        Assert.Equal(1, calls.Count); // row 1 counted; none after the bad row
    }

    public void Dispose() => _harness.Dispose();

    private Task<IReadOnlyList<KeyValuePair<string, BatchAI.Costs.CostInputs>>> PlanAsync(string path, RequestOptions options, ProviderConnection? countWith)
    {
        var records = RecordFiles.Open(path);
        return Run();

        async Task<IReadOnlyList<KeyValuePair<string, BatchAI.Costs.CostInputs>>> Run()
        {
            using (records)
            {
                return await _harness.Service.PlanAsync(records, options, 50, countWith, _harness.Reporter, CancellationToken.None);
            }
        }
    }

    private string Csv(params string[] lines)
    {
        var path = _harness.Temp("records.csv");
        File.WriteAllLines(path, lines);
        return path;
    }
}
