using System.Net;

namespace BatchAI.Providers;

/// <summary>A provider answered with an error. The message says what we were doing and what the provider said.</summary>
public sealed class ProviderException : BatchAIException
{
    public ProviderException(HttpStatusCode statusCode, string? providerCode, string message)
        : base(KindOf(statusCode), ErrorIdOf(statusCode), message)
    {
        StatusCode = statusCode;
        ProviderCode = providerCode;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The provider's own error code or type (for example <c>invalid_api_key</c>), when it gave one.</summary>
    public string? ProviderCode { get; }

    public static ErrorKind KindOf(HttpStatusCode status) => (int)status switch
    {
        401 => ErrorKind.Authentication,
        403 => ErrorKind.Permission,
        404 => ErrorKind.NotFound,
        409 => ErrorKind.Conflict,
        429 => ErrorKind.RateLimited,
        >= 500 => ErrorKind.Unavailable,
        _ => ErrorKind.InvalidInput,
    };

    private static string ErrorIdOf(HttpStatusCode status) => (int)status switch
    {
        401 => "ProviderAuthenticationFailed",
        403 => "ProviderPermissionDenied",
        404 => "ProviderResourceNotFound",
        409 => "ProviderConflict",
        429 => "ProviderRateLimited",
        >= 500 => "ProviderUnavailable",
        _ => "ProviderRequestRejected",
    };
}
