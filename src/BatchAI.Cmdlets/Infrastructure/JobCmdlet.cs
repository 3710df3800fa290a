using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using BatchAI.Emulator;
using BatchAI.Hosting;
using BatchAI.Jobs;

namespace BatchAI.Infrastructure;

/// <summary>
/// The base of the cmdlets that work with jobs: the store and key parameters, the job service, and running engine
/// calls off the pipeline thread while their output, progress and errors are written on it. Ctrl+C cancels the call.
/// </summary>
public abstract class JobCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, int> _activities = new(StringComparer.Ordinal);
    private JobService? _service;

    /// <summary>The job store folder (default: BATCHAI_HOME, else the platform's user data folder).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Store { get; set; }

    /// <summary>The provider API key (default: the provider's environment variable, e.g. OPENAI_API_KEY).</summary>
    [Parameter]
    public SecureString? ApiKey { get; set; }

    protected JobService Service => _service ??= new JobService(new JobServiceOptions
    {
        Store = Store is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Store),
        EmulatorFactory = folder =>
        {
            var options = EmulatorOptions.FromEnvironment(Environment.GetEnvironmentVariable);
            options.StateDirectory = folder;
            return new ProviderEmulator(options);
        },
    });

    /// <summary>Canceled when the user presses Ctrl+C (StopProcessing).</summary>
    protected CancellationToken StopToken => _stopping.Token;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The key as plain text for the one call that needs it; never kept.</summary>
    protected string? PlainApiKey()
    {
        if (ApiKey is null)
        {
            return null;
        }

        var pointer = Marshal.SecureStringToGlobalAllocUnicode(ApiKey);
        try
        {
            return Marshal.PtrToStringUni(pointer);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    /// <summary>
    /// Runs an engine call, writing everything it reports as it happens. Its errors become terminating errors with the
    /// engine's id; Ctrl+C stops it cleanly.
    /// </summary>
    protected T RunEngine<T>(Func<PipelineBridge, Task<T>> work, object? target = null)
    {
        using var bridge = new PipelineBridge();
        try
        {
            return bridge.Run(work, Handle);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (BatchAIException error)
        {
            ThrowTerminatingError(ErrorRecords.From(error, target));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>
    /// Like <see cref="RunEngine"/>, for one item of several (a job among the ids given): its error is written as a
    /// non-terminating error and the cmdlet goes on with the next item.
    /// </summary>
    protected bool TryRunEngine<T>(Func<PipelineBridge, Task<T>> work, object? target, out T result)
    {
        using var bridge = new PipelineBridge();
        try
        {
            result = bridge.Run(work, Handle);
            return true;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (BatchAIException error)
        {
            WriteError(ErrorRecords.From(error, target));
            result = default!;
            return false;
        }
    }

    protected override void StopProcessing() => _stopping.Cancel();

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _service?.Dispose();
            _stopping.Dispose();
        }
    }

    private void Handle(BridgeMessage message)
    {
        switch (message.Kind)
        {
            case BridgeMessageKind.Output:
                WriteObject(message.Payload);
                break;
            case BridgeMessageKind.Verbose:
                WriteVerbose((string)message.Payload);
                break;
            case BridgeMessageKind.Warning:
                WriteWarning((string)message.Payload);
                break;
            case BridgeMessageKind.Problem:
                WriteError(ErrorRecords.From((Requests.RecordProblem)message.Payload, null));
                break;
            case BridgeMessageKind.Progress:
                WriteProgress(Progress((ProgressReport)message.Payload));
                break;
        }
    }

    private ProgressRecord Progress(ProgressReport report)
    {
        if (!_activities.TryGetValue(report.Activity, out var id))
        {
            id = _activities.Count + 1;
            _activities[report.Activity] = id;
        }

        return new ProgressRecord(id, report.Activity, report.Status)
        {
            PercentComplete = Math.Min(100, report.PercentComplete),
            RecordType = report.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
    }
}
