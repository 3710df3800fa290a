using System.Diagnostics;
using System.Globalization;
using BatchAI.Hosting;

namespace BatchAI.Jobs;

/// <summary>
/// Runs the script a user gave to be run when a job is final (provider webhooks need a public endpoint; a scheduled
/// machine rarely has one). The script learns the outcome from environment variables, never from arguments, so
/// paths with spaces need no quoting; it inherits the caller's environment and nothing else: an API key given on
/// the command line or from a vault is not passed on.
/// </summary>
internal static class JobHook
{
    private const int OutputLinesKept = 20;

    /// <summary>How a hook at <paramref name="path"/> is started: through the interpreter its extension names.</summary>
    /// <param name="findOnPath">Finds a program on PATH (null when absent): used to pick pwsh before Windows PowerShell.</param>
    public static ProcessStartInfo StartInfo(string path, bool windows, Func<string, string?> findOnPath)
    {
        var extension = Path.GetExtension(path).ToUpperInvariant();
        ProcessStartInfo info;
        if (extension == ".PS1")
        {
            var shell = findOnPath(windows ? "pwsh.exe" : "pwsh") ?? (windows ? findOnPath("powershell.exe") : null)
                ?? throw BatchAIException.InvalidInput("HookShellNotFound", $"The hook {path} is a PowerShell script, and {(windows ? "neither pwsh.exe nor powershell.exe is" : "pwsh is not")} on PATH.");
            info = new ProcessStartInfo(shell, "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File " + Quote(path));
        }
        else if (windows && extension is ".CMD" or ".BAT")
        {
            info = new ProcessStartInfo(findOnPath("cmd.exe") ?? "cmd.exe", "/d /c \"" + Quote(path) + "\"");
        }
        else if (!windows && extension == ".SH")
        {
            info = new ProcessStartInfo("/bin/sh", Quote(path));
        }
        else
        {
            info = new ProcessStartInfo(path);
        }

        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.CreateNoWindow = true;
        info.WorkingDirectory = Path.GetDirectoryName(path) ?? Environment.CurrentDirectory;
        return info;
    }

    /// <summary>Refuses, before anything is done, a hook that could not be started here (a .ps1 without PowerShell).</summary>
    public static void Check(string path) => StartInfo(path, OnWindows, FindOnPath);

    /// <summary>The environment variables that tell the hook what happened.</summary>
    public static Dictionary<string, string> Variables(AdvanceResult result) => new(StringComparer.Ordinal)
    {
        ["BATCHAI_JOB_ID"] = result.JobId,
        ["BATCHAI_JOB_NAME"] = result.Name ?? string.Empty,
        ["BATCHAI_OUTCOME"] = result.Outcome == AdvanceOutcome.Finished ? "finished" : "finished-with-failures",
        ["BATCHAI_OUTPUT"] = result.OutputPath ?? string.Empty,
        ["BATCHAI_ERROR_LOG"] = result.ErrorLogPath ?? string.Empty,
        ["BATCHAI_TOTAL"] = (result.Total ?? 0).ToString(CultureInfo.InvariantCulture),
        ["BATCHAI_SUCCEEDED"] = (result.Succeeded ?? 0).ToString(CultureInfo.InvariantCulture),
        ["BATCHAI_UNSUCCESSFUL"] = (result.Unsuccessful ?? 0).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Runs the hook to its end; its output goes to the verbose stream. A non-zero exit or a timeout throws.</summary>
    public static async Task RunAsync(string path, IReadOnlyDictionary<string, string> variables, TimeSpan timeout, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        var info = StartInfo(path, OnWindows, FindOnPath);
        foreach (var pair in variables)
        {
            info.Environment[pair.Key] = pair.Value;
        }

        var lastLines = new Queue<string>();
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            reporter.Verbose("hook: " + line);
            lock (lastLines)
            {
                lastLines.Enqueue(line);
                if (lastLines.Count > OutputLinesKept)
                {
                    lastLines.Dequeue();
                }
            }
        }

        using var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult(true);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or IOException)
        {
            throw new BatchAIException(ErrorKind.Hook, "JobHookFailed", $"The hook {path} could not be started: {error.Message}");
        }

        reporter.Verbose($"Running the hook {path} (process {process.Id}).");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        using (timer.Token.Register(() => exited.TrySetCanceled()))
        {
            try
            {
                await exited.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Stop(process);
                cancellationToken.ThrowIfCancellationRequested();
                throw new BatchAIException(ErrorKind.Hook, "JobHookTimedOut", string.Format(CultureInfo.InvariantCulture, "The hook {0} did not finish within {1:0} s and was stopped; the next advance runs it again.", path, timeout.TotalSeconds));
            }
        }

        process.WaitForExit(); // lets the output readers reach the end of the streams
        if (process.ExitCode != 0)
        {
            string output;
            lock (lastLines)
            {
                output = lastLines.Count == 0 ? "it wrote nothing" : "its last output: " + string.Join(" | ", lastLines);
            }

            throw new BatchAIException(ErrorKind.Hook, "JobHookFailed", string.Format(CultureInfo.InvariantCulture, "The hook {0} exited with code {1} ({2}); the next advance runs it again.", path, process.ExitCode, output));
        }
    }

    private static bool OnWindows => Path.DirectorySeparatorChar == '\\';

    private static void Stop(Process process)
    {
        try
        {
            // The whole tree where the runtime can (.NET Core 3+: Kill(bool), which netstandard2.0 does not show):
            // a shell's children (a sleep, a copy) must not outlive a hook that ran out of time.
            if (typeof(Process).GetMethod(nameof(Process.Kill), [typeof(bool)]) is { } killTree)
            {
                killTree.Invoke(process, [true]);
            }
            else
            {
                process.Kill();
            }
        }
        catch (Exception error) when (error is InvalidOperationException || error.InnerException is InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }
    }

    private static string Quote(string path) => "\"" + path + "\"";

    private static string? FindOnPath(string program)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (folder.Length > 0 && File.Exists(Path.Combine(folder, program)))
            {
                return Path.Combine(folder, program);
            }
        }

        return null;
    }
}
