using System.Diagnostics;
using System.Text;
using BatchAI.Cli.Infrastructure;

namespace BatchAI.Cli.Tests;

/// <summary>
/// The scheduled-use recipes in recipes/linux stay true to the command line: every command they run parses, every
/// prompt template in them is valid, the advance unit treats "still running" as success, and the sample hook reads
/// the variables the advance gives it. (The Windows recipes are PowerShell: parsed by the grammar check, and their
/// cmdlets and parameters checked against the cmdlet classes in the cmdlet contract tests.)
/// </summary>
public sealed class RecipeTests
{
    private static readonly string Linux = Repository.Path("recipes", "linux");

    public static TheoryData<string, string> CommandLines()
    {
        var lines = new TheoryData<string, string>();
        foreach (var unit in Directory.GetFiles(Linux, "*.service"))
        {
            foreach (var line in File.ReadLines(unit).Where(l => l.StartsWith("ExecStart=", StringComparison.Ordinal)))
            {
                lines.Add(Path.GetFileName(unit), line["ExecStart=".Length..]);
            }
        }

        foreach (var line in File.ReadLines(Path.Combine(Linux, "crontab")).Where(l => l.Length > 0 && char.IsAsciiDigit(l[0]) || l.StartsWith('*')))
        {
            // "<5 time fields> . keys.env && <command>": the command is what follows the last &&.
            lines.Add("crontab", line[(line.LastIndexOf("&&", StringComparison.Ordinal) + 2)..].Trim());
        }

        return lines;
    }

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void EveryCommandTheRecipesRunParses(string file, string commandLine)
    {
        var words = Words(commandLine);

        Assert.EndsWith("batchai", words[0], StringComparison.Ordinal);
        Assert.Contains(words[1], new[] { "submit", "advance" });
        var parse = CliApp.Build(new CliHost()).Parse(words.Skip(1).ToArray());
        Assert.True(parse.Errors.Count == 0, $"{file}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        var prompt = words.IndexOf("--prompt");
        if (prompt > 0)
        {
            BatchAI.Requests.PromptTemplate.Parse(words[prompt + 1]);
        }
    }

    [Fact]
    public void TheRecipesCoverBothFlowsWithTimers()
    {
        var commands = CommandLines().Select(row => (string)row[1]).ToList();

        Assert.Contains(commands, c => c.Contains(" submit ", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.Contains(" advance ", StringComparison.Ordinal) && c.Contains("--hook", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Linux, "batchai-submit.timer")) && File.Exists(Path.Combine(Linux, "batchai-advance.timer")));
    }

    [Fact]
    public void TheAdvanceUnitCountsStillRunningAsSuccessAndFinishedWithFailuresAsFailed()
    {
        var unit = File.ReadAllLines(Path.Combine(Linux, "batchai-advance.service"));

        Assert.Contains($"SuccessExitStatus={ExitCodes.NotFinished}", unit);
        Assert.DoesNotContain(unit, l => l.StartsWith("SuccessExitStatus", StringComparison.Ordinal) && l.Contains(ExitCodes.FinishedWithFailures.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.DoesNotContain(File.ReadAllText(Path.Combine(Linux, "batchai-advance.service")), "API_KEY=", StringComparison.Ordinal); // keys come from the EnvironmentFile
    }

    [Fact]
    public async Task TheSampleHookReportsWhatTheAdvanceTellsIt()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // a /bin/sh script; the Windows hook is On-Finished.ps1
        }

        using var dir = new BatchAI.Engine.Tests.Support.TempDirectory();
        var logged = dir.File("logged.txt");
        File.WriteAllText(dir.File("logger"), $"#!/bin/sh\necho \"$*\" >> \"{logged}\"\n");
        File.SetUnixFileMode(dir.File("logger"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(Linux, "on-finished.sh"));
        info.Environment["PATH"] = dir.Path + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        foreach (var (name, value) in new[] { ("JOB_ID", "job-1"), ("JOB_NAME", "nightly-tickets"), ("OUTCOME", "finished-with-failures"), ("OUTPUT", "/srv/r.csv"), ("ERROR_LOG", "/var/e.jsonl"), ("TOTAL", "18"), ("SUCCEEDED", "16"), ("UNSUCCESSFUL", "2") })
        {
            info.Environment["BATCHAI_" + name] = value;
        }

        using var hook = Process.Start(info)!;
        var error = await hook.StandardError.ReadToEndAsync();
        await hook.WaitForExitAsync();

        Assert.True(hook.ExitCode == 0, error);
        var lines = File.ReadAllLines(logged);
        Assert.Equal("-t batchai job job-1 (nightly-tickets): finished-with-failures, 16 of 18 succeeded, results in /srv/r.csv", lines[0]);
        Assert.Equal("-t batchai -p user.warning job job-1: 2 record(s) did not succeed; why: /var/e.jsonl", lines[1]);
    }

    /// <summary>Splits a command line as systemd and sh do for these lines: words, double quotes, C escapes inside them.</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '\\' && i + 1 < line.Length)
            {
                var next = line[++i];
                word.Append(next switch { 'n' => '\n', 't' => '\t', _ => next });
            }
            else if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
            }
            else if (!quoted && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Assert.False(quoted, "an unclosed quote in: " + line);
        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
