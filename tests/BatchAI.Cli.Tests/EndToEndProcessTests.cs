using System.Text.Json;
using BatchAI.Cli.Infrastructure;
using BatchAI.Cli.Tests.Support;
using BatchAI.Engine.Tests.Support;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Cli.Tests;

/// <summary>
/// The real executable, in separate processes (as two scheduled tasks would run it), against <c>batchai emulator</c>
/// listening on 127.0.0.1.
/// </summary>
public sealed class EndToEndProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task TenThousandTrickyRowsComeBackOneForOneWithEverySourceFieldUnchanged()
    {
        var input = _dir.File("tickets.csv");
        var records = TicketGenerator.Write(input, 10_000);
        var store = _dir.File("store");
        using var emulator = await BatchaiProcess.StartEmulatorAsync(processingSeconds: 1);

        var submit = await BatchaiProcess.RunAsync(Patience, "submit", "--input", input, "--model", "gpt-4o-mini", "--prompt", "Classify this ticket: {subject}\n{body}", "--id-column", "ticket_id", "--name", "big", "--base-url", emulator.BaseUrl, "--store", store, "--json");
        var wait = await BatchaiProcess.RunAsync(Patience, "wait", "big", "--timeout", "120", "--store", store);
        var receive = await BatchaiProcess.RunAsync(Patience, "receive", "big", "--out", _dir.File("out.csv"), "--store", store);

        Assert.True(submit.ExitCode == ExitCodes.Success, submit.ToString());
        var job = JsonDocument.Parse(submit.Out).RootElement;
        Assert.Equal(10_000, job.GetProperty("requestCount").GetInt64());
        Assert.Equal(emulator.BaseUrl, job.GetProperty("baseUrl").GetString());
        Assert.True(wait.ExitCode == ExitCodes.Success, wait.ToString());
        Assert.True(receive.ExitCode == ExitCodes.Success, receive.ToString());
        Assert.Contains("10,000 result(s): 10,000 succeeded", receive.Out, StringComparison.Ordinal);

        using var output = RecordFiles.Open(_dir.File("out.csv"));
        Assert.Equal(["ticket_id", "subject", "body", "customer", "notes", "custom_id", "status", "output", "error", "input_tokens", "output_tokens"], output.Columns!.Names);
        var rows = output.Read().ToList();
        Assert.Equal(records.Count, rows.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var row = rows[i].Record;
            Assert.NotNull(row);
            for (var column = 0; column < 5; column++)
            {
                Assert.Equal(records[i][column], (string)row.Values[column]!);
            }

            Assert.Equal(records[i][0], row.Values[5]);
            Assert.Equal("Succeeded", row.Values[6]);
            Assert.StartsWith("[emulated] Reply to: Classify this ticket:", (string)row.Values[7]!, StringComparison.Ordinal);
        }
    }

    /// <summary>The bar: one CSV through the four providers on loopback, four files that agree row for row.</summary>
    [Fact]
    public async Task TheSameTenThousandRowsGoThroughEveryProviderAndTheFourOutputsAgree()
    {
        var input = _dir.File("tickets.csv");
        var records = TicketGenerator.Write(input, 10_000);
        var store = _dir.File("store");
        using var emulator = await BatchaiProcess.StartEmulatorAsync(processingSeconds: 1);
        var providers = new[] { ("openai", emulator.BaseUrl, "gpt-4o-mini"), ("anthropic", emulator.Origin, "claude-haiku-4-5"), ("gemini", emulator.Origin, "gemini-2.5-flash-lite"), ("azure-openai", emulator.Origin, "gpt-4o-mini-batch") };

        var outputs = new List<List<object?[]>>();
        foreach (var (provider, baseUrl, model) in providers)
        {
            var submit = await BatchaiProcess.RunAsync(Patience, "submit", "--provider", provider, "--input", input, "--model", model, "--prompt", "Classify this ticket: {subject}\n{body}", "--id-column", "ticket_id", "--name", provider, "--base-url", baseUrl, "--store", store, "--json");
            var wait = await BatchaiProcess.RunAsync(Patience, "wait", provider, "--timeout", "120", "--store", store);
            var receive = await BatchaiProcess.RunAsync(Patience, "receive", provider, "--out", _dir.File(provider + ".csv"), "--store", store);

            Assert.True(submit.ExitCode == ExitCodes.Success, submit.ToString());
            Assert.Equal(ProviderNames.Parse(provider).ToString(), JsonDocument.Parse(submit.Out).RootElement.GetProperty("provider").GetString());
            Assert.True(wait.ExitCode == ExitCodes.Success, wait.ToString());
            Assert.True(receive.ExitCode == ExitCodes.Success, receive.ToString());
            Assert.Contains("10,000 result(s): 10,000 succeeded", receive.Out, StringComparison.Ordinal);
            using var output = RecordFiles.Open(_dir.File(provider + ".csv"));
            outputs.Add(output.Read().Select(r => r.Record!.Values.ToArray()).ToList());
        }

        // Source columns (0-4), custom_id (5) and status (6) agree; the answers differ as each model's would.
        for (var i = 0; i < records.Count; i++)
        {
            var expected = outputs[0][i].Take(7).ToArray();
            Assert.Equal(records[i], expected.Take(5).Select(v => (string)v!).ToArray());
            foreach (var output in outputs.Skip(1))
            {
                Assert.Equal(expected, output[i].Take(7).ToArray());
            }
        }
    }

    [Fact]
    public async Task TheEmulatorStopsOnSigtermAsAServiceManagerSendsIt()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no signals there; Ctrl+C is covered by the console
        }

        // As under a service manager or a script's background job: SIGINT ignored, stopped with SIGTERM. ASP.NET Core
        // takes SIGTERM for itself, so the emulator once went on listening after it.
        var dll = System.IO.Path.Combine(AppContext.BaseDirectory, "batchai.dll");
        var info = new System.Diagnostics.ProcessStartInfo("bash", ["-c", "trap '' INT; exec dotnet \"$0\" emulator --port 0", dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var emulator = System.Diagnostics.Process.Start(info)!;
        try
        {
            using (var starting = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                Assert.Contains("listening", await emulator.StandardOutput.ReadLineAsync(starting.Token), StringComparison.Ordinal);
            }

            _ = emulator.StandardOutput.ReadToEndAsync();

            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", emulator.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await emulator.WaitForExitAsync(patience.Token);
            Assert.Equal(ExitCodes.Success, emulator.ExitCode);
        }
        finally
        {
            if (!emulator.HasExited)
            {
                emulator.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task WaitTimeoutCancelAndStatusAcrossProcesses()
    {
        var input = _dir.File("tickets.csv");
        TicketGenerator.Write(input, 20);
        var store = _dir.File("store");
        using var emulator = await BatchaiProcess.StartEmulatorAsync(processingSeconds: 600);

        var submit = await BatchaiProcess.RunAsync(Patience, "submit", "--input", input, "--model", "gpt-4o-mini", "--prompt", "Subject: {subject}", "--id-column", "ticket_id", "--base-url", emulator.BaseUrl, "--store", store);
        var id = submit.LastLine;
        var wait = await BatchaiProcess.RunAsync(Patience, "wait", id, "--timeout", "1", "--store", store);
        var cancel = await BatchaiProcess.RunAsync(Patience, "cancel", id, "--store", store);
        var waitAfterCancel = await BatchaiProcess.RunAsync(Patience, "wait", id, "--timeout", "60", "--store", store);
        var status = await BatchaiProcess.RunAsync(Patience, "status", id, "--store", store, "--json");
        var list = await BatchaiProcess.RunAsync(Patience, "list", "--store", store);

        Assert.True(submit.ExitCode == ExitCodes.Success, submit.ToString());
        Assert.Equal(ExitCodes.NotFinished, wait.ExitCode);
        Assert.True(cancel.ExitCode == ExitCodes.Success, cancel.ToString());
        Assert.True(waitAfterCancel.ExitCode == ExitCodes.Success, waitAfterCancel.ToString());
        Assert.Equal("Canceled", JsonDocument.Parse(status.Out).RootElement.GetProperty("batches")[0].GetProperty("state").GetString());
        Assert.Contains(id, list.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
