using System.Net;

namespace BatchAI.Providers;

/// <summary>
/// Where and how to reach a provider: which one, at which base URL (the same form as the provider's official SDK,
/// e.g. <c>http://127.0.0.1:8080/v1</c>), through the in-process emulator or not, and with which key. The key is used
/// for calls only; it is never written to the ledger.
/// </summary>
public sealed class ProviderConnection
{
    /// <summary>The base URL jobs use when they run on the in-process emulator.</summary>
    public static readonly Uri EmulatorBaseUrl = new("http://batchai-emulator.invalid/v1/");

    public ProviderKind Provider { get; set; } = ProviderKind.OpenAI;

    /// <summary>Overrides the provider's public endpoint (a gateway, a proxy, an OpenAI-compatible server, <c>batchai emulator</c>).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Use the in-process emulator instead of the network. Never implied: it must be asked for.</summary>
    public bool UseEmulator { get; set; }

    /// <summary>The API key; when null, the provider's environment variable is read.</summary>
    public string? ApiKey { get; set; }

    public static string DefaultBaseUrl(ProviderKind provider) => provider switch
    {
        _ => "https://api.openai.com/v1",
    };

    public static string ApiKeyVariable(ProviderKind provider) => provider switch
    {
        _ => "OPENAI_API_KEY",
    };

    /// <summary>The base URL calls go to, with a trailing slash so relative paths append to it.</summary>
    public Uri ResolveBaseUrl()
    {
        if (UseEmulator)
        {
            if (!string.IsNullOrEmpty(BaseUrl))
            {
                throw BatchAIException.InvalidInput("ConnectionConflict", "Give either the in-process emulator (-Emulator / --emulator) or a base URL (-BaseUrl / --base-url), not both.");
            }

            return EmulatorBaseUrl;
        }

        var text = string.IsNullOrWhiteSpace(BaseUrl) ? DefaultBaseUrl(Provider) : BaseUrl!.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw BatchAIException.InvalidInput("BaseUrlInvalid", $"'{text}' is not an http or https URL. Give the base URL as the provider's SDK takes it, e.g. http://127.0.0.1:8080/v1.");
        }

        return uri.AbsoluteUri.EndsWith("/", StringComparison.Ordinal) ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    /// <summary>
    /// The key to send: the one given, else the provider's environment variable. The emulator and servers on this
    /// machine (a loopback base URL) may be used without one.
    /// </summary>
    public string ResolveApiKey()
    {
        if (!string.IsNullOrEmpty(ApiKey))
        {
            return ApiKey!;
        }

        var variable = ApiKeyVariable(Provider);
        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment!;
        }

        if (UseEmulator || IsLoopback(ResolveBaseUrl()))
        {
            return "batchai-local-no-key";
        }

        throw new BatchAIException(ErrorKind.Authentication, "ApiKeyMissing", $"No API key for {Provider}: set {variable}, or pass -ApiKey / --api-key.");
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
