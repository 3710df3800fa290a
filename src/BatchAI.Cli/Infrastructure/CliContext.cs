using System.CommandLine;
using BatchAI.Jobs;
using BatchAI.Requests;

namespace BatchAI.Cli.Infrastructure;

/// <summary>One command's run: its parsed options, reporter and service, and how its failures become exit codes.</summary>
internal sealed class CliContext
{
    private CliContext(ParseResult parse, CliHost host)
    {
        Parse = parse;
        Host = host;
        Reporter = new ConsoleReporter(host.Error, parse.GetValue(CommonOptions.Verbose), parse.GetValue(CommonOptions.Quiet), host.Clock);
    }

    public ParseResult Parse { get; }

    public CliHost Host { get; }

    public ConsoleReporter Reporter { get; }

    public string? Store => Parse.GetValue(CommonOptions.Store);

    public string? ApiKey => Parse.GetValue(CommonOptions.ApiKey);

    public TextWriter Out => Host.Out;

    public JobService Service(double? emulatorProcessingSeconds = null, Providers.Http.HttpCounters? counters = null) => Host.CreateService(Store, emulatorProcessingSeconds, counters);

    /// <summary>Runs a command body, turning what it throws into a message on standard error and an exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parse, CliHost host, Func<CliContext, Task<int>> body)
    {
        var context = new CliContext(parse, host);
        try
        {
            return await body(context).ConfigureAwait(false);
        }
        catch (InvalidRecordsException ex)
        {
            // Each record's problem was printed as it was found.
            host.Error.WriteLine($"error: {ex.ProblemCount:N0} invalid record(s); nothing was submitted.");
            return ExitCodes.InvalidInput;
        }
        catch (BatchAIException ex)
        {
            host.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.For(ex);
        }
        catch (OperationCanceledException)
        {
            host.Error.WriteLine("error: canceled. The job store is consistent; run the command again to go on.");
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            host.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.Failure;
        }
    }

    /// <summary>Parses a prompt template given on the command line (its errors are bad usage).</summary>
    public static PromptTemplate? Template(string? text) => text is null ? null : PromptTemplate.Parse(text);
}
