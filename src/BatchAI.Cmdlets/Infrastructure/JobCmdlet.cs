using System.Collections.ObjectModel;
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

    /// <summary>The name of a secret holding the API key in a SecretManagement vault (Microsoft.PowerShell.SecretManagement).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiKeySecret { get; set; }

    /// <summary>With -ApiKeySecret: the vault to read it from (default: the default vault).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Vault { get; set; }

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

    /// <summary>The key as plain text for the one call that needs it (from -ApiKey, else the vault); never kept.</summary>
    protected string? PlainApiKey()
    {
        var key = ApiKey ?? SecretFromVault();
        if (key is null)
        {
            return null;
        }

        var pointer = Marshal.SecureStringToGlobalAllocUnicode(key);
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

    /// <summary>
    /// Reads -ApiKeySecret through SecretManagement's own Get-Secret (as a SecureString: the key is never plain text in
    /// PowerShell), so whatever vault the user registered works. A missing module or secret is a clear error.
    /// </summary>
    private SecureString? SecretFromVault()
    {
        if (ApiKeySecret is null)
        {
            return null;
        }

        const string script = @"
param($Name, $Vault)
if (-not (Get-Command -Name Microsoft.PowerShell.SecretManagement\Get-Secret -ErrorAction SilentlyContinue)) {
    throw 'Reading -ApiKeySecret needs the SecretManagement module: Install-Module Microsoft.PowerShell.SecretManagement, then Register-SecretVault.'
}
if ($Vault) { Microsoft.PowerShell.SecretManagement\Get-Secret -Name $Name -Vault $Vault -ErrorAction Stop }
else { Microsoft.PowerShell.SecretManagement\Get-Secret -Name $Name -ErrorAction Stop }
";
        Collection<PSObject> found;
        try
        {
            found = InvokeCommand.InvokeScript(script, true, System.Management.Automation.Runspaces.PipelineResultTypes.None, null, ApiKeySecret, Vault);
        }
        catch (RuntimeException error)
        {
            ThrowTerminatingError(new ErrorRecord(error, "ApiKeySecretUnavailable", ErrorCategory.ObjectNotFound, ApiKeySecret) { ErrorDetails = new ErrorDetails($"The API key secret '{ApiKeySecret}' could not be read: {error.Message}") });
            return null; // not reached: ThrowTerminatingError always throws
        }

        return found.Count == 1 && found[0].BaseObject is SecureString secure ? secure
            : found.Count == 1 && found[0].BaseObject is string text ? ToSecure(text)
            : throw new PSArgumentException($"The secret '{ApiKeySecret}' is not a single string or SecureString, so it cannot be an API key.");
    }

    private static SecureString ToSecure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

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
