using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>Bad input is reported record by record, and then nothing is sent and nothing is left behind.</summary>
public sealed class SubmissionProblemTests : IDisposable
{
    private readonly EngineHarness _harness = new();

    [Fact]
    public async Task BadRecordsAreAllReportedAndNothingIsSubmitted()
    {
        File.WriteAllText(_harness.Temp("in.csv"), "id,subject\nA-1,ok\nA 2,bad id\nA-3,\nA-1,duplicate\nA-5,too,many\nA-6,fine\n");

        var error = await Assert.ThrowsAsync<InvalidRecordsException>(() => _harness.SubmitFileAsync(_harness.Temp("in.csv"), EngineHarness.Options("{subject}", o => o.IdColumn = "id")));

        Assert.Equal(4, error.ProblemCount);
        Assert.Equal(
            [(2L, "CustomIdInvalid"), (3L, "PromptEmpty"), (4L, "CustomIdDuplicate"), (5L, "CsvRowRagged")],
            error.Problems.Select(p => (p.RowNumber, p.ErrorId)));
        Assert.Equal("row 4 (line 5), field 'id': the custom id 'A-1' was already used by row 1", error.Problems[2].ToString());
        Assert.Equal(4, _harness.Reporter.Problems.Count);
        Assert.StartsWith("4 record(s) are invalid; nothing was submitted. First: row 2 (line 3), field 'id'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_harness.Service.List());
        Assert.False(Directory.Exists(Path.Combine(_harness.Store, "emulator", "batches")) && Directory.EnumerateFiles(Path.Combine(_harness.Store, "emulator", "batches")).Any());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_harness.Store, "staging")));
    }

    [Fact]
    public async Task AColumnMissingFromTheHeaderIsOneErrorNotOnePerRow()
    {
        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.SubmitFileAsync(Fixture.Path("tickets.csv"), EngineHarness.Options("{subject} {priority}")));

        Assert.Equal("ColumnMissing", error.ErrorId);
        Assert.Contains("'priority'", error.Message, StringComparison.Ordinal);
        Assert.Contains("id, subject, body, customer", error.Message, StringComparison.Ordinal);
        Assert.Empty(_harness.Reporter.Problems);
    }

    [Fact]
    public async Task AnEmptyInputIsAnError()
    {
        File.WriteAllText(_harness.Temp("empty.csv"), "id,subject\n");

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.SubmitFileAsync(_harness.Temp("empty.csv")));

        Assert.Equal("JobEmpty", error.ErrorId);
        Assert.Empty(_harness.Service.List());
    }

    [Fact]
    public void TheDraftRefusesDuplicateIdsAcrossEverythingAdded()
    {
        using var draft = _harness.Service.CreateDraft(EngineHarness.Emulated(), _harness.Reporter);

        Assert.Empty(draft.Add(EngineHarness.Request(1, id: "same")));
        var problem = Assert.Single(draft.Add(EngineHarness.Request(2, id: "same")));

        Assert.Equal((2L, "CustomIdDuplicate"), (problem.RowNumber, problem.ErrorId));
        Assert.Equal((1L, 1L), (draft.Count, draft.RejectedCount));
    }

    [Fact]
    public async Task ADraftWithARefusedRequestIsNeverSubmitted()
    {
        var draft = _harness.Service.CreateDraft(EngineHarness.Emulated(), _harness.Reporter);
        draft.Add(EngineHarness.Request(1, id: "same"));
        draft.Add(EngineHarness.Request(2, id: "same"));
        draft.Add(EngineHarness.Request(3));

        var guard = Assert.Throws<InvalidRecordsException>(draft.ThrowIfAnyRejected);
        var error = await Assert.ThrowsAsync<InvalidRecordsException>(() => _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None));
        draft.Dispose();

        Assert.Equal((1L, "CustomIdDuplicate"), (guard.ProblemCount, Assert.Single(guard.Problems).ErrorId));
        Assert.Equal("RecordsInvalid", error.ErrorId);
        Assert.Empty(_harness.Service.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_harness.Store, "staging")));
    }

    [Fact]
    public void ARequestTooLargeForABatchIsRefusedAndKeepsNoId()
    {
        using var small = _harness.NewService(new ProviderLimits(10, 400));
        using var draft = small.CreateDraft(EngineHarness.Emulated(), _harness.Reporter);

        var problem = Assert.Single(draft.Add(EngineHarness.Request(1, id: "big", prompt: new string('x', 1000))));

        Assert.Equal("RequestTooLarge", problem.ErrorId);
        Assert.Contains("at most 400", problem.Message, StringComparison.Ordinal);
        Assert.Empty(draft.Add(EngineHarness.Request(2, id: "big")));
    }

    [Fact]
    public void ADiscardedDraftLeavesNothing()
    {
        using (var draft = _harness.Service.CreateDraft(EngineHarness.Emulated(), _harness.Reporter))
        {
            draft.Add(EngineHarness.Request(1));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_harness.Store, "staging")));
        Assert.Empty(_harness.Service.List());
    }

    [Fact]
    public void ARemoteProviderWithoutAKeyFailsBeforeAnyRecordIsRead()
    {
        if (Environment.GetEnvironmentVariable("OPENAI_API_KEY") is not null)
        {
            return; // A developer's own key would make the connection valid.
        }

        var error = Assert.Throws<BatchAIException>(() => _harness.Service.CreateDraft(new JobDefinition { Connection = new ProviderConnection() }, _harness.Reporter));

        Assert.Equal("ApiKeyMissing", error.ErrorId);
    }

    [Theory]
    [InlineData("http://user:pass@127.0.0.1/v1")]
    [InlineData("http://127.0.0.1/v1?api-key=secret")]
    public void ABaseUrlThatCouldHoldACredentialIsRefused(string baseUrl)
    {
        var definition = new JobDefinition { Connection = new ProviderConnection { BaseUrl = baseUrl } };

        Assert.Equal("BaseUrlInvalid", Assert.Throws<BatchAIException>(() => _harness.Service.CreateDraft(definition, _harness.Reporter)).ErrorId);
    }

    public void Dispose() => _harness.Dispose();
}
