using BatchAI.ModuleTests.Support;

namespace BatchAI.ModuleTests;

/// <summary>Update-AIBatch in real PowerShell: the step a scheduled task runs, its exit code, and its hook.</summary>
public sealed class SchedulingTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    [Fact]
    public void StepsUntilFinishedThenWritesTheResultsOnceAndRunsTheHookOnce()
    {
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", "5"); // long enough that the first step surely finds it running
        var ran = _session.File("hook-ran.txt");
        var hook = _session.File(OperatingSystem.IsWindows() ? "hook.cmd" : "hook.sh");
        File.WriteAllText(hook, OperatingSystem.IsWindows() ? $"@echo %BATCHAI_OUTCOME% %BATCHAI_SUCCEEDED%>> \"{ran}\"\r\n" : $"echo \"$BATCHAI_OUTCOME $BATCHAI_SUCCEEDED\" >> \"{ran}\"\n");

        var lines = _session.Lines($$"""
            $job = Import-Csv -Path '{{PowerShellSession.Tickets}}' | New-BatchRequest -Prompt 'Triage: {subject}' -Model gpt-4o-mini -IdColumn ticket_id | Submit-AIBatch -Emulator -Name nightly -Confirm:$false
            $first = Update-AIBatch -Id nightly -OutFile '{{_session.File("nightly-{job}.csv")}}' -Hook '{{hook}}' -Confirm:$false
            "$($first.Outcome) $($first.ExitCode)"
            Start-Sleep -Seconds 6
            foreach ($i in 1..2) {
                $step = $job | Update-AIBatch -OutFile '{{_session.File("nightly-{job}.csv")}}' -Hook '{{hook}}' -Confirm:$false
                "$($step.Outcome) $($step.ExitCode) $($step.Exported) $($step.HookRan)"
            }
            @(Import-Csv -Path $step.OutputPath).Count
            Split-Path -Path $step.OutputPath -Leaf
            """);

        Assert.Equal("Running 3", lines[0]);
        Assert.Equal("Finished 0 True True", lines[1]);
        Assert.Equal("Finished 0 False False", lines[2]);
        Assert.Equal("18", lines[3]);
        Assert.Equal($"nightly-{_session.Lines("(Get-AIBatch -Id nightly -NoRefresh).Id").Single()}.csv", lines[4]);
        Assert.Equal(["finished 18"], File.ReadAllLines(ran).Select(l => l.Trim()));
    }

    [Fact]
    public void AFailingHookIsAnErrorWithItsIdAndCategory()
    {
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", "1");
        var hook = _session.File(OperatingSystem.IsWindows() ? "fail.cmd" : "fail.sh");
        File.WriteAllText(hook, OperatingSystem.IsWindows() ? "@exit /b 5\r\n" : "exit 5\n");

        var run = _session.Run($$"""
            [pscustomobject]@{ t = 'x' } | New-BatchRequest -Prompt '{t}' -Model gpt-4o-mini | Submit-AIBatch -Emulator -Confirm:$false | Wait-AIBatch |
                Update-AIBatch -OutFile '{{_session.File("out.csv")}}' -Hook '{{hook}}' -Confirm:$false
            """);

        var error = Assert.Single(run.Errors);
        Assert.StartsWith("JobHookFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal("InvalidResult", error.CategoryInfo.Category.ToString());
        Assert.True(File.Exists(_session.File("out.csv")));
    }

    public void Dispose()
    {
        _session.Dispose();
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", null);
    }
}
