namespace BatchAI;

/// <summary>What kind of failure an error is; the cmdlets map it to an ErrorCategory, the CLI to an exit code.</summary>
public enum ErrorKind
{
    /// <summary>The user's input or parameters are wrong; retrying unchanged will fail again.</summary>
    InvalidInput,

    /// <summary>The provider rejected the credentials (HTTP 401), or none were given.</summary>
    Authentication,

    /// <summary>The credentials lack permission (HTTP 403).</summary>
    Permission,

    /// <summary>A job, batch or file does not exist (HTTP 404, or not in the store).</summary>
    NotFound,

    /// <summary>A rate or quota limit was exceeded (HTTP 429) and retries did not get through.</summary>
    RateLimited,

    /// <summary>The provider failed or could not be reached (HTTP 5xx, network) and retries did not get through.</summary>
    Unavailable,

    /// <summary>The request conflicts with the state of a job or batch.</summary>
    Conflict,

    /// <summary>The provider answered something this version does not understand.</summary>
    Protocol,

    /// <summary>A program the user gave the job to run (its hook) failed or did not finish in time.</summary>
    Hook,
}

/// <summary>
/// An error with a stable id (<c>&lt;Noun&gt;&lt;Problem&gt;</c>, e.g. <c>JobNotFound</c>) that scripts can catch, and a
/// message that names the record, field or job concerned. Messages never contain an API key.
/// </summary>
public class BatchAIException : Exception
{
    public BatchAIException(ErrorKind kind, string errorId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorId = errorId ?? throw new ArgumentNullException(nameof(errorId));
    }

    public ErrorKind Kind { get; }

    public string ErrorId { get; }

    public static BatchAIException InvalidInput(string errorId, string message) => new(ErrorKind.InvalidInput, errorId, message);
}
