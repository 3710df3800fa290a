using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace BatchAI.Cli.Tests.Support;

/// <summary>Runs the real <c>batchai</c> executable (the build beside these tests) as a child process.</summary>
internal static partial class BatchaiProcess
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "batchai.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A developer's real key must never reach a test.
        foreach (var variable in new[] { "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT" })
        {
            info.Environment.Remove(variable);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    public static Task<CliRun> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, null, args);

    /// <param name="environment">Variables to set for the child (a key, for instance), on top of the test's own.</param>
    public static async Task<CliRun> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = StartInfo(args);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"batchai {string.Join(' ', args)} did not finish within {timeout}: {await error}");
        }

        return new CliRun(process.ExitCode, await output, await error);
    }

    /// <summary>Starts <c>batchai emulator --port 0</c> and returns it once it prints its address.</summary>
    public static async Task<EmulatorProcess> StartEmulatorAsync(double processingSeconds, params string[] options)
    {
        var process = Process.Start(StartInfo(["emulator", "--port", "0", "--processing-seconds", processingSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), .. options]))!;
        var lineTask = process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(lineTask, Task.Delay(TimeSpan.FromSeconds(30))) != lineTask || lineTask.Result is not { } line)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("batchai emulator did not start: " + await process.StandardError.ReadToEndAsync());
        }

        var match = BaseUrlPattern().Match(line);
        Assert.True(match.Success, line);
        return new EmulatorProcess(process, match.Groups["url"].Value);
    }

    [GeneratedRegex("OpenAI base URL: (?<url>http://127\\.0\\.0\\.1:[0-9]+/v1)")]
    private static partial Regex BaseUrlPattern();
}

internal sealed class EmulatorProcess(Process process, string baseUrl) : IDisposable
{
    /// <summary>The OpenAI base URL, http://127.0.0.1:port/v1.</summary>
    public string BaseUrl { get; } = baseUrl;

    /// <summary>The origin, http://127.0.0.1:port: the base URL for Anthropic and Gemini, and the Azure OpenAI endpoint.</summary>
    public string Origin => BaseUrl.Substring(0, BaseUrl.Length - "/v1".Length);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
    }
}
