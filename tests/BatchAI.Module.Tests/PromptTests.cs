using System.Management.Automation;
using BatchAI.ModuleTests.Support;

namespace BatchAI.ModuleTests;

/// <summary>
/// What a user sees at the prompt, in real PowerShell: tab completion of jobs, models and providers; default table
/// views; one progress bar for a wait that always completes; Ctrl+C that stops cleanly and leaves the job usable.
/// </summary>
public sealed class PromptTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    public PromptTests() => Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", "3600");

    [Fact]
    public void JobNamesAndIdsCompleteFromTheStore()
    {
        var id = SlowJob("nightly-leads");

        Assert.Contains("nightly-leads", Complete($"Get-AIBatch -Store '{_session.Store}' -Id night"));
        Assert.Contains(id, Complete($"Update-AIBatch -Store '{_session.Store}' -Id job-"));
        Assert.Empty(Complete($"Wait-AIBatch -Store '{_session.Store}' -Id zzz"));
    }

    [Fact]
    public void ModelsCompleteForTheProviderGivenAndProvidersComplete()
    {
        var claude = Complete("New-BatchRequest -Prompt x -Model claude");
        var providers = Complete("Submit-AIBatch -Provider Az");
        var steps = Complete("Test-AIStepUrgency -Provider gem");

        Assert.NotEmpty(claude);
        Assert.All(claude, m => Assert.StartsWith("claude", m, StringComparison.Ordinal));
        Assert.Equal(["AzureOpenAI"], providers);
        Assert.Equal(["Gemini"], steps);
    }

    [Fact]
    public void EveryOutputTypeReadsAsATableWithItsViewsColumns()
    {
        var id = SlowJob("tables");
        string Table(string script) => string.Join("\n", _session.Lines(script + " | Format-Table | Out-String -Width 250"));

        Assert.Matches(@"Id\s+Name\s+State\s+Provider\s+Model\s+Requests", Table("Get-AIBatch -NoRefresh"));
        Assert.Matches(@"Model\s+Provider\s+Input\s+Output\s+BatchInput\s+BatchOutput", Table("Get-AIModelPrice -Model gpt-4o-mini"));
        Assert.Matches(@"Step\s+Lane\s+Reason", Table("[pscustomobject]@{ Step = 'chat'; PersonWaiting = 'yes' } | Test-AIStepUrgency -Detailed"));
        Assert.Matches(@"Model\s+Basis\s+Requests\s+RealtimeCost\s+BatchCost", Table("Compare-AIBatchCost -Model gpt-4o-mini -Requests 10 -InputTokens 100 -OutputTokens 10"));
        Assert.Matches(@"CustomId\s+State\s+Batch\s+Attempts", Table($"Get-AIBatchRecord -Id {id}"));
        Assert.Matches(@"JobId\s+Name\s+Outcome\s+Resubmitted", Table($"Update-AIBatch -Id {id} -OutFile '{_session.File("x.csv")}' -Confirm:$false"));
    }

    [Fact]
    public void AWaitThatTimesOutCompletesItsProgressBarToo()
    {
        var id = SlowJob("late");

        var run = _session.Run($"Wait-AIBatch -Id {id} -Timeout 1 -ErrorAction SilentlyContinue -ErrorVariable late; $late.FullyQualifiedErrorId");

        Assert.Equal(ProgressRecordType.Completed, run.Progress[^1].RecordType);
        Assert.StartsWith("AIBatchWaitTimeout", Assert.Single(run.Output).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AWaitShowsOneProgressBarThatCompletes()
    {
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", "1");
        var run = _session.Run("[pscustomobject]@{ t = 'x' } | New-BatchRequest -Prompt '{t}' -Model gpt-4o-mini | Submit-AIBatch -Emulator -Confirm:$false | Wait-AIBatch");

        run.ThrowIfFailed();
        var waits = run.Progress.Where(p => p.Activity.StartsWith("Waiting for job", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(waits);
        Assert.Single(waits.Select(p => p.ActivityId).Distinct());
        Assert.Equal(ProgressRecordType.Completed, waits[^1].RecordType);
    }

    [Fact]
    public void SubmitAndReceiveEachShowOneProgressBarThatCompletes()
    {
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", "1");
        var submit = _session.Run($"$job = Import-Csv -Path '{PowerShellSession.Tickets}' | New-BatchRequest -Prompt 'Triage: {{subject}}' -Model gpt-4o-mini | Submit-AIBatch -Emulator -Confirm:$false");
        var receive = _session.Run("$null = $job | Wait-AIBatch; $job | Receive-AIBatchResult | Out-Null");

        foreach (var run in new[] { submit, receive })
        {
            run.ThrowIfFailed();
            var bars = run.Progress.GroupBy(p => p.Activity).ToList();
            Assert.NotEmpty(bars);
            Assert.All(bars, bar => Assert.Equal(ProgressRecordType.Completed, bar.Last().RecordType));
        }

        Assert.Contains(submit.Progress, p => p.Activity.StartsWith("Submitting", StringComparison.Ordinal));
        Assert.Contains(receive.Progress, p => p.Activity.StartsWith("Receiving results", StringComparison.Ordinal));
    }

    [Fact]
    public void CtrlCStopsAWaitCleanlyAndTheJobIsUsableAtOnce()
    {
        var id = SlowJob("stopped");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var started = DateTime.UtcNow;

        var run = _session.Run($"Wait-AIBatch -Id {id}", stop.Token);
        var after = _session.Run($"Get-AIBatch -Id {id} | Wait-AIBatch -Timeout 0 -ErrorAction SilentlyContinue -ErrorVariable late; $late.Count");

        Assert.Equal(PSInvocationState.Stopped, run.State);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
        Assert.NotEmpty(run.Progress); // once stopped, nothing more can be written: PowerShell clears a stopped pipeline's bars
        after.ThrowIfFailed(); // not JobLocked: the stopped wait let go of the job
        Assert.Equal("1", after.Output[^1].ToString()); // a timeout, not an error: the job is still running
    }

    public void Dispose()
    {
        _session.Dispose();
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", null);
    }

    private string SlowJob(string name) =>
        _session.Lines($"([pscustomobject]@{{ t = 'x' }} | New-BatchRequest -Prompt '{{t}}' -Model gpt-4o-mini | Submit-AIBatch -Emulator -Name {name} -Confirm:$false).Id").Single();

    private List<string> Complete(string line) =>
        _session.Lines($"(TabExpansion2 -inputScript \"{line.Replace("\"", "`\"", StringComparison.Ordinal)}\" -cursorColumn {line.Length}).CompletionMatches.CompletionText").Where(t => t.Length > 0).ToList();
}
