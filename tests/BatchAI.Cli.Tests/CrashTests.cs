using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BatchAI.Cli.Infrastructure;
using BatchAI.Cli.Tests.Support;
using BatchAI.Engine.Tests.Support;
using Xunit.Abstractions;

namespace BatchAI.Cli.Tests;

/// <summary>
/// Kills <c>batchai submit</c> and <c>batchai receive</c> (SIGKILL: no cleanup runs) at many moments, picks the job up
/// again with <c>batchai resume</c> (or a second submit, when the kill came before the job reached the store), and
/// checks that the final file is byte for byte the one an uninterrupted run writes, and that no provider batch was
/// created twice.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task KilledSubmitsAndReceivesResumeToTheSameOutputWithoutDuplicateBatches()
    {
        var input = _dir.File("tickets.csv");
        TicketGenerator.Write(input, 6_000);
        var store = _dir.File("store");
        using var emulator = await BatchaiProcess.StartEmulatorAsync(1, "--fault-rate", "0.05", "--seed", "7");
        string[] Submit(string name) => ["submit", "--input", input, "--model", "gpt-4o-mini", "--prompt", "Classify: {subject}", "--id-column", "ticket_id", "--batch-size", "150", "--name", name, "--base-url", emulator.BaseUrl, "--store", store];

        var clock = Stopwatch.StartNew();
        var baseline = await BatchaiProcess.RunAsync(Patience, Submit("baseline"));
        var submitTime = clock.Elapsed;
        Assert.True(baseline.ExitCode == ExitCodes.Success, baseline.ToString());
        await FinishAsync("baseline", "baseline.csv");
        var expected = await File.ReadAllBytesAsync(_dir.File("baseline.csv"));

        var midway = 0;
        for (var point = 1; point <= 8; point++)
        {
            var name = "crash-" + point.ToString(CultureInfo.InvariantCulture);
            var killAfter = TimeSpan.FromTicks(submitTime.Ticks * point / 9);
            await RunAndKillAsync(killAfter, Submit(name));
            var state = await StateAsync(name);
            output.WriteLine("submit killed after {0:0} ms: {1}", killAfter.TotalMilliseconds, state ?? "job not in the store yet");
            if (state is not null && !state.StartsWith("40 of 40", StringComparison.Ordinal) && !state.StartsWith("0 of", StringComparison.Ordinal))
            {
                midway++;
            }

            var again = state is null ? await BatchaiProcess.RunAsync(Patience, Submit(name)) : await BatchaiProcess.RunAsync(Patience, "resume", name, "--store", store);
            Assert.True(again.ExitCode == ExitCodes.Success, again.ToString());
            await FinishAsync(name, name + ".csv");
            Assert.Equal(expected, await File.ReadAllBytesAsync(_dir.File(name + ".csv")));
        }

        for (var point = 1; point <= 6; point++)
        {
            var outFile = _dir.File("receive-" + point.ToString(CultureInfo.InvariantCulture) + ".csv");
            await RunAndKillAsync(TimeSpan.FromMilliseconds(150 * point), "receive", "crash-" + point.ToString(CultureInfo.InvariantCulture), "--out", outFile, "--store", store);
            var rerun = await BatchaiProcess.RunAsync(Patience, "receive", "crash-" + point.ToString(CultureInfo.InvariantCulture), "--out", outFile, "--store", store);
            Assert.True(rerun.ExitCode == ExitCodes.Success, rerun.ToString());
            Assert.Equal(expected, await File.ReadAllBytesAsync(outFile));
        }

        output.WriteLine("{0} of 8 submits were killed with some but not all of their 40 batches sent", midway);
        Assert.True(midway >= 2, "too few kills landed in the middle of a submit to prove anything");
        await AssertNoBatchCreatedTwiceAsync(emulator);
    }

    public void Dispose() => _dir.Dispose();

    private async Task FinishAsync(string name, string file)
    {
        var store = _dir.File("store");
        var wait = await BatchaiProcess.RunAsync(Patience, "wait", name, "--timeout", "120", "--store", store);
        Assert.True(wait.ExitCode == ExitCodes.Success, wait.ToString());
        var receive = await BatchaiProcess.RunAsync(Patience, "receive", name, "--out", _dir.File(file), "--store", store);
        Assert.True(receive.ExitCode == ExitCodes.Success, receive.ToString());
    }

    /// <summary>"n of m batches submitted" for a job in the store, or null when the job never got there.</summary>
    private async Task<string?> StateAsync(string name)
    {
        var list = await BatchaiProcess.RunAsync(Patience, "list", "--store", _dir.File("store"), "--json");
        var job = JsonDocument.Parse(list.Out).RootElement.EnumerateArray().FirstOrDefault(j => j.GetProperty("name").GetString() == name);
        if (job.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        var batches = job.GetProperty("batches").EnumerateArray().ToList();
        return string.Format(CultureInfo.InvariantCulture, "{0} of {1} batches submitted", batches.Count(b => b.GetProperty("batchId").ValueKind == JsonValueKind.String), batches.Count);
    }

    private static async Task RunAndKillAsync(TimeSpan after, params string[] args)
    {
        using var process = Process.Start(BatchaiProcess.StartInfo(args))!;
        var drainOut = process.StandardOutput.ReadToEndAsync();
        var drainError = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit((int)after.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        await Task.WhenAll(drainOut, drainError);
    }

    /// <summary>Every batch the emulator holds names its job and part; no job and part may appear twice.</summary>
    private static async Task AssertNoBatchCreatedTwiceAsync(EmulatorProcess emulator)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-test");
        var seen = new List<string>();
        string? after = null;
        while (true)
        {
            string page;
            try
            {
                page = await http.GetStringAsync(emulator.BaseUrl + "/batches?limit=100" + (after is null ? string.Empty : "&after=" + after));
            }
            catch (HttpRequestException)
            {
                continue; // an injected fault: ask again
            }

            var root = JsonDocument.Parse(page).RootElement;
            foreach (var batch in root.GetProperty("data").EnumerateArray())
            {
                var metadata = batch.GetProperty("metadata");
                seen.Add(metadata.GetProperty("batchai_job").GetString() + " part " + metadata.GetProperty("batchai_part").GetString()!.Split('/')[0]);
                after = batch.GetProperty("id").GetString();
            }

            if (!root.GetProperty("has_more").GetBoolean())
            {
                break;
            }
        }

        Assert.Equal(9 * 40, seen.Count);
        Assert.Empty(seen.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key));
    }
}
