using System.Text;
using BatchAI.Cli.Infrastructure;
using BatchAI.Cli.Tests.Support;
using BatchAI.Engine.Tests.Support;

namespace BatchAI.Cli.Tests;

/// <summary>
/// A canary key goes through every command, for every provider, with verbose output, injected faults (so retries are
/// logged), a wrong key (so a 401 is reported) and the key given both ways (environment and --api-key). Then every
/// byte the tool printed or wrote (store, results, error log) is searched for the key, as text, base64 and URL-encoded.
/// </summary>
public sealed class SecretsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task ACanaryKeyAppearsNowhereTheToolPrintedOrWrote()
    {
        var canary = "sk-canary-" + Guid.NewGuid().ToString("N");
        var input = _dir.File("tickets.csv");
        TicketGenerator.Write(input, 40);
        var store = _dir.File("store");
        using var emulator = await BatchaiProcess.StartEmulatorAsync(1, "--require-key", canary, "--fault-rate", "0.1", "--error-rate", "0.2", "--seed", "3");
        var printed = new StringBuilder();

        async Task<CliRun> Run(string keyVariable, string key, params string[] args)
        {
            var run = await BatchaiProcess.RunAsync(Patience, new Dictionary<string, string> { [keyVariable] = key }, [.. args, "--store", store, "--verbose"]);
            printed.Append(run.Out).Append(run.Error);
            return run;
        }

        // Anthropic batches carry no mark to find them by, so a create whose answer an injected fault dropped is not
        // retried on its own (it might have been created): the documented way on is resume, which warns and sends it.
        async Task Step(string provider, string keyVariable, string key, params string[] args)
        {
            var run = await Run(keyVariable, key, args);
            for (var i = 0; i < 3 && run.ExitCode != ExitCodes.Success && provider == "anthropic" && run.Error.Contains("/v1/messages/batches failed", StringComparison.Ordinal); i++)
            {
                run = await Run(keyVariable, key, "resume", provider);
            }

            Succeeded(run);
        }

        foreach (var (provider, variable, baseUrl, model) in new[]
        {
            ("openai", "OPENAI_API_KEY", emulator.BaseUrl, "gpt-4o-mini"),
            ("anthropic", "ANTHROPIC_API_KEY", emulator.Origin, "claude-haiku-4-5"),
            ("gemini", "GEMINI_API_KEY", emulator.Origin, "gemini-2.5-flash-lite"),
            ("azure-openai", "AZURE_OPENAI_API_KEY", emulator.Origin, "gpt-4o-mini-batch"),
        })
        {
            await Step(provider, variable, canary, "submit", "--provider", provider, "--input", input, "--model", model, "--prompt", "Classify: {subject}", "--id-column", "ticket_id", "--name", provider, "--base-url", baseUrl);
            await Step(provider, variable, canary, "wait", provider, "--timeout", "120");
            await Step(provider, variable, canary, "resubmit", provider);
            await Step(provider, variable, canary, "wait", provider, "--timeout", "120");
            await Step(provider, variable, canary, "receive", provider, "--out", _dir.File(provider + ".csv"));
            await Step(provider, "UNUSED", "x", "status", provider, "--api-key", canary);
            var refused = await Run(variable, canary + "-wrong", "submit", "--provider", provider, "--input", input, "--model", model, "--prompt", "Classify: {subject}", "--id-column", "ticket_id", "--name", provider + "-refused", "--base-url", baseUrl);
            Assert.NotEqual(ExitCodes.Success, refused.ExitCode);
            Assert.Matches("401 Unauthorized|API key not valid", refused.Error); // Gemini answers a bad key with 400
        }

        var written = Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(written, f => f.EndsWith("errors.jsonl", StringComparison.Ordinal)); // the error log was written, and searched
        var forms = new[] { canary, Convert.ToBase64String(Encoding.UTF8.GetBytes(canary)), Uri.EscapeDataString(canary), canary.Substring(10) };
        foreach (var form in forms)
        {
            Assert.DoesNotContain(form, printed.ToString(), StringComparison.Ordinal);
            foreach (var file in written)
            {
                var bytes = await File.ReadAllBytesAsync(file);
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(form)), $"{file} holds the key");
            }
        }
    }

    public void Dispose() => _dir.Dispose();

    private static void Succeeded(CliRun run) => Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
