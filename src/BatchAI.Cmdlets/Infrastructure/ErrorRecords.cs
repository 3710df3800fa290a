using System.Management.Automation;
using BatchAI.Requests;

namespace BatchAI.Infrastructure;

/// <summary>Engine errors as PowerShell error records: the engine's stable id, and a category from its kind.</summary>
public static class ErrorRecords
{
    public static ErrorCategory CategoryFor(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidInput => ErrorCategory.InvalidData,
        ErrorKind.Authentication => ErrorCategory.AuthenticationError,
        ErrorKind.Permission => ErrorCategory.PermissionDenied,
        ErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.RateLimited => ErrorCategory.LimitsExceeded,
        ErrorKind.Unavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.Conflict => ErrorCategory.InvalidOperation,
        ErrorKind.Protocol => ErrorCategory.ProtocolError,
        ErrorKind.Hook => ErrorCategory.InvalidResult,
        _ => ErrorCategory.NotSpecified,
    };

    public static ErrorRecord From(BatchAIException error, object? target) =>
        new(error, error.ErrorId, CategoryFor(error.Kind), target);

    /// <summary>One record's problem, as a non-terminating error whose target is the record.</summary>
    public static ErrorRecord From(RecordProblem problem, object? target) =>
        new(BatchAIException.InvalidInput(problem.ErrorId, problem.ToString()), problem.ErrorId, ErrorCategory.InvalidData, target);
}
