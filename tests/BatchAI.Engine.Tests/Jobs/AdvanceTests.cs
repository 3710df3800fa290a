using System.Runtime.InteropServices;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// One scheduled step: look at the job, download what finished, send again what is retryable, write the results
/// once everything is final, run the hook once; never wait.
/// </summary>
public sealed class AdvanceTests : IDisposable
{
    private readonly EngineHarness _harness = new(limits: new ProviderLimits(maxRequestsPerBatch: 10, maxBytesPerBatch: 1_000_000));

    private static bool Windows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    [Fact]
    public async Task AdvanceNeverWaitsAndWritesTheResultsOnceTheJobIsFinalAndOnlyOnce()
    {
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 20).Select(i => EngineHarness.Request(i)));
        var output = _harness.Temp("out.csv");
        var delaysBefore = _harness.Clock.Delays.Count;

        var running = await AdvanceAsync(job.Id, output);
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var finished = await AdvanceAsync(job.Id, output);
        var written = File.GetLastWriteTimeUtc(output);
        var again = await AdvanceAsync(job.Id, output);

        Assert.Equal(delaysBefore, _harness.Clock.Delays.Count); // not one wait
        Assert.Equal(AdvanceOutcome.Running, running.Outcome);
        Assert.Null(running.OutputPath);
        Assert.Contains(job.Id + " is still running", running.ToString(), StringComparison.Ordinal);
        Assert.Equal((AdvanceOutcome.Finished, true, 20L, 20L, 0L), (finished.Outcome, finished.Exported, finished.Total!.Value, finished.Succeeded!.Value, finished.Unsuccessful!.Value));
        Assert.Equal(Path.GetFullPath(output), finished.OutputPath);
        Assert.Equal(21, File.ReadAllLines(output).Length);
        Assert.Null(finished.ErrorLogPath);
        Assert.Equal((AdvanceOutcome.Finished, false, 20L), (again.Outcome, again.Exported, again.Succeeded!.Value));
        Assert.Equal(written, File.GetLastWriteTimeUtc(output));
        Assert.Contains("already in", again.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnePathServesSeveralJobsThroughTheJobPlaceholder()
    {
        var first = await _harness.SubmitAsync([EngineHarness.Request(1)]);
        var second = await _harness.SubmitAsync([EngineHarness.Request(1), EngineHarness.Request(2)]);
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));

        var results = new[] { await AdvanceAsync(first.Id, _harness.Temp("out-{job}.csv")), await AdvanceAsync(second.Id, _harness.Temp("out-{job}.csv")) };

        Assert.Equal([_harness.Temp($"out-{first.Id}.csv"), _harness.Temp($"out-{second.Id}.csv")], results.Select(r => r.OutputPath));
        Assert.Equal([2, 3], results.Select(r => File.ReadAllLines(r.OutputPath!).Length));
        Assert.Equal([0, 0], results.Select(r => r.ExitCode));
    }

    [Fact]
    public async Task AJobDoesNotOverwriteTheResultsAnotherJobWroteToTheSameFile()
    {
        var first = await _harness.SubmitAsync([EngineHarness.Request(1)]);
        var second = await _harness.SubmitAsync([EngineHarness.Request(1), EngineHarness.Request(2)]);
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));
        await AdvanceAsync(first.Id, _harness.Temp("nightly.csv"));

        var error = await Assert.ThrowsAsync<BatchAIException>(() => AdvanceAsync(second.Id, _harness.Temp("nightly.csv")));

        Assert.Equal(("AdvanceOutputShared", ErrorKind.InvalidInput), (error.ErrorId, error.Kind));
        Assert.Contains("{job}", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(_harness.Temp("nightly.csv")).Length); // the first job's one row, untouched
        Assert.Equal(AdvanceOutcome.Finished, (await AdvanceAsync(second.Id, _harness.Temp("nightly-{job}.csv"))).Outcome);
    }

    [Fact]
    public async Task RetryableRecordsGoAgainAndTheJobFinishesWithFailuresWhenOnlyPermanentOnesAreLeft()
    {
        _harness.Faults = o => { o.ErrorRate = 0.2; o.ExpireRate = 0.3; o.Seed = 7; };
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 60).Select(i => EngineHarness.Request(i)));
        var output = _harness.Temp("out.csv");

        var steps = new List<AdvanceResult>();
        var writtenWhileRunning = false;
        do
        {
            _harness.Clock.Advance(TimeSpan.FromMinutes(1));
            steps.Add(await AdvanceAsync(job.Id, output));
            writtenWhileRunning |= steps[^1].Outcome == AdvanceOutcome.Running && File.Exists(output);
        }
        while (steps[^1].Outcome == AdvanceOutcome.Running && steps.Count < 20);
        var last = steps[^1];

        Assert.Contains(steps, s => s.Resubmitted > 0);
        Assert.False(writtenWhileRunning);
        Assert.True(steps.Count > 2);
        Assert.Equal(AdvanceOutcome.FinishedWithFailures, last.Outcome);
        Assert.Equal(60L, last.Total);
        Assert.Equal(last.Unsuccessful, File.ReadAllLines(last.ErrorLogPath!).Length);
        Assert.Equal(0, _harness.Service.Get(job.Id).Records!.Retryable);
        Assert.Equal(61, File.ReadAllLines(output).Length);
    }

    [Fact]
    public async Task ACanceledJobIsLetFinishWithoutSendingAnythingAgain()
    {
        _harness.Processing = TimeSpan.FromHours(1);
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 4).Select(i => EngineHarness.Request(i)));
        await _harness.Service.CancelAsync(job.Id, null, _harness.Reporter, CancellationToken.None);
        _harness.Clock.Advance(TimeSpan.FromMinutes(5));

        var result = await AdvanceAsync(job.Id, _harness.Temp("out.csv"));

        Assert.Equal((AdvanceOutcome.FinishedWithFailures, 0L, 4L), (result.Outcome, result.Resubmitted, result.Unsuccessful!.Value));
        Assert.Single(_harness.Service.Get(job.Id).Batches);
    }

    [Fact]
    public async Task AFinishedPilotWaitsForItsReleaseAndIsNotExported()
    {
        using (var draft = _harness.Service.CreateDraft(new JobDefinition { Name = "pilot", PilotSize = 3, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter))
        {
            foreach (var request in Enumerable.Range(1, 8).Select(i => EngineHarness.Request(i)))
            {
                Assert.Empty(draft.Add(request));
            }

            await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
        }

        _harness.Clock.Advance(TimeSpan.FromMinutes(5));
        var result = await AdvanceAsync("pilot", _harness.Temp("out.csv"));

        Assert.Equal(AdvanceOutcome.AwaitingRelease, result.Outcome);
        Assert.False(File.Exists(_harness.Temp("out.csv")));
        Assert.Contains("release", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHookRunsOnceWithTheOutcomeInItsEnvironmentAndNoApiKey()
    {
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 5).Select(i => EngineHarness.Request(i)), name: "nightly");
        var dump = _harness.Temp("hook-env.txt");
        var hook = WriteHook("hook", $"env >> \"{dump}\"\necho ran >> \"{dump}.count\"", $"set >> \"{dump}\"\r\necho ran >> \"{dump}.count\"");
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));

        var first = await _harness.Service.AdvanceAsync(job.Id, new AdvanceOptions { OutputPath = _harness.Temp("out.csv"), HookPath = hook }, "sk-hook-secret-0123456789", _harness.Reporter, CancellationToken.None);
        var second = await _harness.Service.AdvanceAsync(job.Id, new AdvanceOptions { OutputPath = _harness.Temp("out.csv"), HookPath = hook }, "sk-hook-secret-0123456789", _harness.Reporter, CancellationToken.None);

        var environment = File.ReadAllText(dump);
        Assert.True(first.HookRan);
        Assert.False(second.HookRan);
        Assert.Single(File.ReadAllLines(dump + ".count"));
        Assert.Contains("BATCHAI_JOB_ID=" + job.Id, environment, StringComparison.Ordinal);
        Assert.Contains("BATCHAI_JOB_NAME=nightly", environment, StringComparison.Ordinal);
        Assert.Contains("BATCHAI_OUTCOME=finished", environment, StringComparison.Ordinal);
        Assert.Contains("BATCHAI_OUTPUT=" + Path.GetFullPath(_harness.Temp("out.csv")), environment, StringComparison.Ordinal);
        Assert.Contains("BATCHAI_SUCCEEDED=5", environment, StringComparison.Ordinal);
        Assert.Contains("BATCHAI_UNSUCCESSFUL=0", environment, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-hook-secret", environment, StringComparison.Ordinal);
        Assert.NotNull(_harness.Service.Get(job.Id).HookRanAt);
        Assert.NotNull(first.Job.HookRanAt); // the step's job is the job after the hook ran
    }

    [Fact]
    public async Task AFailingHookIsAnErrorAndOnlyTheHookRunsAgainOnTheNextAdvance()
    {
        var job = await _harness.SubmitAsync(Enumerable.Range(1, 3).Select(i => EngineHarness.Request(i)));
        var marker = _harness.Temp("second-time");
        var hook = WriteHook(
            "flaky",
            $"if [ -f \"{marker}\" ]; then exit 0; fi\ntouch \"{marker}\"\necho disk full >&2\nexit 3",
            $"if exist \"{marker}\" exit /b 0\r\necho x > \"{marker}\"\r\necho disk full 1>&2\r\nexit /b 3");
        var options = new AdvanceOptions { OutputPath = _harness.Temp("out.csv"), HookPath = hook };
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.Service.AdvanceAsync(job.Id, options, null, _harness.Reporter, CancellationToken.None));
        var written = File.GetLastWriteTimeUtc(options.OutputPath);
        var retried = await _harness.Service.AdvanceAsync(job.Id, options, null, _harness.Reporter, CancellationToken.None);

        Assert.Equal(("JobHookFailed", ErrorKind.Hook), (error.ErrorId, error.Kind));
        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("disk full", error.Message, StringComparison.Ordinal);
        Assert.Equal((true, false, AdvanceOutcome.Finished), (retried.HookRan, retried.Exported, retried.Outcome));
        Assert.Equal(written, File.GetLastWriteTimeUtc(options.OutputPath));
        Assert.Contains(_harness.Reporter.VerboseMessages, v => v.Contains("hook: disk full", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHookThatRunsPastItsTimeoutIsStoppedWithWhatItStarted()
    {
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)]);
        var marker = _harness.Temp("late-child");
        var hook = WriteHook("slow", $"(sleep 2; touch \"{marker}\") &\nwait", "ping -n 30 127.0.0.1 > nul");
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.Service.AdvanceAsync(job.Id, new AdvanceOptions { OutputPath = _harness.Temp("out.csv"), HookPath = hook, HookTimeout = TimeSpan.FromMilliseconds(500) }, null, _harness.Reporter, CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal("JobHookTimedOut", error.ErrorId);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
        Assert.Null(_harness.Service.Get(job.Id).HookRanAt);
        Assert.False(File.Exists(marker), "the hook's child outlived it"); // the whole process tree was stopped
    }

    [Fact]
    public async Task APowerShellHookWhereThereIsNoPowerShellIsRefusedBeforeAnythingIsDone()
    {
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)]);
        var hook = _harness.Temp("hook.ps1");
        File.WriteAllText(hook, "exit 0");
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", _harness.Temp("no-programs-here")); // this class's tests run one at a time
        BatchAIException error;
        try
        {
            _harness.Clock.Advance(TimeSpan.FromMinutes(1));
            error = await Assert.ThrowsAsync<BatchAIException>(() => AdvanceAsync(job.Id, _harness.Temp("out.csv"), hook));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }

        Assert.Equal("HookShellNotFound", error.ErrorId);
        Assert.False(File.Exists(_harness.Temp("out.csv")));
        Assert.Null(_harness.Service.Get(job.Id).Records); // nothing was asked or downloaded
    }

    [Fact]
    public async Task BadOptionsAndADryRunAreRefusedBeforeAnythingIsAsked()
    {
        var job = await _harness.SubmitAsync([EngineHarness.Request(1)]);
        using (var draft = _harness.Service.CreateDraft(new JobDefinition { Name = "dry", DryRun = true, Connection = new ProviderConnection { UseEmulator = true } }, _harness.Reporter))
        {
            Assert.Empty(draft.Add(EngineHarness.Request(1)));
            await _harness.Service.SubmitAsync(draft, _harness.Reporter, CancellationToken.None);
        }

        var noOutput = await Assert.ThrowsAsync<BatchAIException>(() => _harness.Service.AdvanceAsync(job.Id, new AdvanceOptions(), null, _harness.Reporter, CancellationToken.None));
        var noHook = await Assert.ThrowsAsync<BatchAIException>(() => AdvanceAsync(job.Id, _harness.Temp("out.csv"), hook: _harness.Temp("missing.sh")));
        var dryRun = await Assert.ThrowsAsync<BatchAIException>(() => AdvanceAsync("dry", _harness.Temp("out.csv")));
        var noTime = await Assert.ThrowsAsync<BatchAIException>(() => _harness.Service.AdvanceAsync(job.Id, new AdvanceOptions { OutputPath = _harness.Temp("out.csv"), HookTimeout = TimeSpan.Zero }, null, _harness.Reporter, CancellationToken.None));

        Assert.Equal("AdvanceOutputMissing", noOutput.ErrorId);
        Assert.Equal("HookNotFound", noHook.ErrorId);
        Assert.Contains("missing.sh", noHook.Message, StringComparison.Ordinal);
        Assert.Equal("JobDryRun", dryRun.ErrorId);
        Assert.Equal("HookTimeoutInvalid", noTime.ErrorId);
        Assert.Null(_harness.Service.Get(job.Id).Records); // none of them asked the provider anything
    }

    [Theory]
    [InlineData("/jobs/hook.ps1", false, "/usr/bin/pwsh", "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File \"/jobs/hook.ps1\"")]
    [InlineData("/jobs/hook.sh", false, "/bin/sh", "\"/jobs/hook.sh\"")]
    [InlineData("/jobs/hook", false, "/jobs/hook", "")]
    [InlineData(@"C:\jobs\hook.ps1", true, @"C:\ps\powershell.exe", "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File \"C:\\jobs\\hook.ps1\"")]
    [InlineData(@"C:\jobs\my hook.cmd", true, @"C:\Windows\cmd.exe", "/d /c \"\"C:\\jobs\\my hook.cmd\"\"")]
    [InlineData(@"C:\jobs\hook.exe", true, @"C:\jobs\hook.exe", "")]
    public void AHookIsStartedThroughTheInterpreterItsExtensionNames(string path, bool windows, string program, string arguments)
    {
        var programs = new Dictionary<string, string> { ["pwsh"] = "/usr/bin/pwsh", ["powershell.exe"] = @"C:\ps\powershell.exe", ["cmd.exe"] = @"C:\Windows\cmd.exe" };

        var info = JobHook.StartInfo(path, windows, p => programs.GetValueOrDefault(p));

        Assert.Equal((program, arguments), (info.FileName, info.Arguments));
        Assert.False(info.UseShellExecute);
    }

    [Fact]
    public void APowerShellHookWithoutPowerShellIsAClearError()
    {
        var error = Assert.Throws<BatchAIException>(() => JobHook.StartInfo("/jobs/hook.ps1", windows: false, _ => null));

        Assert.Equal("HookShellNotFound", error.ErrorId);
    }

    public void Dispose() => _harness.Dispose();

    private Task<AdvanceResult> AdvanceAsync(string job, string output, string? hook = null) =>
        _harness.Service.AdvanceAsync(job, new AdvanceOptions { OutputPath = output, HookPath = hook }, null, _harness.Reporter, CancellationToken.None);

    /// <summary>A hook script for this platform: a .sh here, a .cmd on Windows.</summary>
    private string WriteHook(string name, string shell, string cmd)
    {
        var path = _harness.Temp(name + (Windows ? ".cmd" : ".sh"));
        File.WriteAllText(path, Windows ? "@echo off\r\n" + cmd + "\r\n" : shell + "\n");
        return path;
    }
}
