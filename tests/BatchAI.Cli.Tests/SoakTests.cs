using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BatchAI.Cli.Infrastructure;
using BatchAI.Cli.Tests.Support;
using BatchAI.Engine.Tests.Support;
using BatchAI.Requests;
using Xunit.Abstractions;

namespace BatchAI.Cli.Tests;

/// <summary>
/// The reliability bar: records through <c>batchai emulator</c> with 10% of API calls faulted, 5% of requests errored
/// and 20% left unprocessed by expiry, resubmitted until nothing retryable is left. Every custom id ends with exactly
/// one result, in input order; permanent failures say why. CI runs 5,000 records; <c>bench/soak.sh</c> runs 100,000
/// (BATCHAI_SOAK_RECORDS) and prints the figures the README quotes.
/// </summary>
public sealed class SoakTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task EveryRecordEndsWithExactlyOneResultUnderFaultsErrorsAndExpiry()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("BATCHAI_SOAK_RECORDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 5_000;
        var input = _dir.File("tickets.csv");
        var records = TicketGenerator.Write(input, count);
        var store = _dir.File("store");
        using var emulator = await BatchaiProcess.StartEmulatorAsync(1, "--fault-rate", "0.1", "--error-rate", "0.05", "--expire-rate", "0.2", "--seed", "2026");
        var clock = Stopwatch.StartNew();

        var submit = await BatchaiProcess.RunAsync(Patience, "submit", "--input", input, "--model", "gpt-4o-mini", "--prompt", "Classify this ticket: {subject}\n{body}", "--id-column", "ticket_id", "--name", "soak", "--base-url", emulator.BaseUrl, "--store", store);
        Assert.True(submit.ExitCode == ExitCodes.Success, submit.ToString());
        var rounds = new List<string>();
        for (var round = 1; ; round++)
        {
            var wait = await BatchaiProcess.RunAsync(Patience, "wait", "soak", "--timeout", "300", "--store", store);
            Assert.True(wait.ExitCode == ExitCodes.Success, wait.ToString());
            var resubmit = await BatchaiProcess.RunAsync(Patience, "resubmit", "soak", "--max-attempts", "10", "--store", store, "--json");
            Assert.True(resubmit.ExitCode == ExitCodes.Success, resubmit.ToString());
            var job = JsonDocument.Parse(resubmit.Out).RootElement;
            var resent = job.GetProperty("resubmitted").GetInt64();
            rounds.Add(string.Format(CultureInfo.InvariantCulture, "after attempt {0}: {1}; {2:N0} resubmitted", round, Describe(job.GetProperty("before")), resent));
            if (resent == 0)
            {
                Assert.Equal(0, job.GetProperty("records").GetProperty("retryable").GetInt64());
                break;
            }

            Assert.True(round < 10, string.Join("\n", rounds));
        }

        var receive = await BatchaiProcess.RunAsync(Patience, "receive", "soak", "--out", _dir.File("out.csv"), "--store", store);
        clock.Stop();
        Assert.True(receive.ExitCode == ExitCodes.Success, receive.ToString());

        using var results = RecordFiles.Open(_dir.File("out.csv"));
        var rows = results.Read().Select(r => r.Record!).ToList();
        Assert.Equal(records.Select(r => r[0]), rows.Select(r => (string)r.Values[5]!)); // one per custom id, none missing or doubled, input order
        var statuses = rows.GroupBy(r => (string)r.Values[6]!).ToDictionary(g => g.Key, g => g.Count());
        var failed = rows.Where(r => (string)r.Values[6]! != "Succeeded").ToList();
        Assert.All(failed, r => Assert.StartsWith("invalid_request: ", (string)r.Values[8]!, StringComparison.Ordinal)); // only permanent failures are left, each with its reason
        Assert.InRange(failed.Count, count * 0.005, count * 0.025); // a quarter of the 5% error rate is permanent

        output.WriteLine("{0:N0} records, fault rate 0.1, error rate 0.05, expire rate 0.2, seed 2026, up to 10 attempts", count);
        foreach (var line in rounds)
        {
            output.WriteLine(line);
        }

        output.WriteLine("final: {0}", string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => p.Key + " " + p.Value.ToString("N0", CultureInfo.InvariantCulture))));
        output.WriteLine("wall time (submit to receive): {0:0.0} s", clock.Elapsed.TotalSeconds);
    }

    public void Dispose() => _dir.Dispose();

    private static string Describe(JsonElement records) => string.Join(", ", records.EnumerateObject().Where(p => p.Value.GetInt64() > 0).Select(p => p.Name + " " + p.Value.GetInt64().ToString("N0", CultureInfo.InvariantCulture)));
}
