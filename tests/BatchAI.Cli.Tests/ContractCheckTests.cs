using System.Diagnostics;
using BatchAI.Cli.Tests.Support;
using BatchAI.Emulator;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Cli.Tests;

/// <summary>
/// Judges from outside .NET, in tests/contract: the official OpenAI, Anthropic and Google Gen AI npm clients driving
/// <c>batchai emulator</c> on 127.0.0.1 (OpenAI's answers also checked against its OpenAPI schemas by ajv), and a real
/// PowerShell grammar parsing every script of the repository. They need Node.js 20 and <c>npm ci --prefix tests/contract</c>, which ./test.sh runs.
/// </summary>
public class ContractCheckTests
{
    private static readonly string Contract = Path.Combine(Repository.Root, "tests", "contract");

    /// <summary>Each official npm client gets the base URL in its own SDK's form: OpenAI's ends in /v1, the others are the origin.</summary>
    [Theory]
    [InlineData("check-openai.mjs", true)]
    [InlineData("check-anthropic.mjs", false)]
    [InlineData("check-genai.mjs", false)]
    public async Task AnOfficialNpmClientWorksAgainstTheEmulatorOnLoopback(string script, bool openAIBaseUrl)
    {
        using var emulator = await BatchaiProcess.StartEmulatorAsync(processingSeconds: 0.5);

        var (exit, output) = await NodeAsync(script, openAIBaseUrl ? emulator.BaseUrl : emulator.Origin);

        Assert.True(exit == 0, output);
        Assert.Contains("checks passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEnginesCreateBatchRequestFollowsTheOpenAPISpec()
    {
        using var dir = new TempDirectory();
        using var emulator = new ProviderEmulator(new EmulatorOptions { StateDirectory = dir.File("emulator") });
        var recorder = new RecordingHandler(emulator);
        using var service = new JobService(new JobServiceOptions { Store = dir.File("store"), NetworkHandler = recorder });
        var definition = new JobDefinition { Name = "spec-check", Connection = new ProviderConnection { BaseUrl = "http://127.0.0.1:9/v1" } };
        using (var draft = service.CreateDraft(definition, Hosting.NullReporter.Instance))
        {
            draft.Add(new BatchRequest("row-1", SourceRecord.FromPairs(1, [new("a", "b")]), "Say hi", "gpt-4o-mini"));
            await service.SubmitAsync(draft, Hosting.NullReporter.Instance, CancellationToken.None);
        }

        var body = Assert.Single(recorder.Bodies, b => b.Path.EndsWith("/batches", StringComparison.Ordinal)).Body;
        File.WriteAllText(dir.File("create.json"), body);
        File.WriteAllText(dir.File("wrong.json"), body.Replace("\"24h\"", "\"48h\"", StringComparison.Ordinal));

        var (exit, output) = await NodeAsync("validate-json.mjs", "CreateBatchRequest", dir.File("create.json"));
        var (wrongExit, _) = await NodeAsync("validate-json.mjs", "CreateBatchRequest", dir.File("wrong.json"));

        Assert.True(exit == 0, output);
        Assert.Equal(1, wrongExit);
    }

    [Fact]
    public async Task EveryPowerShellFileParses()
    {
        var (exit, output) = await NodeAsync("check-powershell-syntax.mjs", Repository.Root);

        Assert.True(exit == 0, output);
        Assert.Contains(" 0 syntax error(s)", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> NodeAsync(string script, params string[] arguments)
    {
        Assert.True(Directory.Exists(Path.Combine(Contract, "node_modules")), $"The contract checks' packages are not installed: run 'npm ci --prefix tests/contract' (./test.sh does).");
        var info = new ProcessStartInfo("node") { WorkingDirectory = Contract, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Node.js 20+ is needed for the contract checks.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>Passes requests on, keeping the body of each (uploads included).</summary>
    private sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public List<(string Path, string Body)> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                Bodies.Add((request.RequestUri!.AbsolutePath, await request.Content.ReadAsStringAsync(cancellationToken)));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
