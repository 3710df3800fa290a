using System.Net;

namespace BatchAI.Providers;

/// <summary>
/// Where and how to reach a provider: which one, at which base URL (the same form as the provider's official SDK,
/// e.g. <c>http://127.0.0.1:8080/v1</c>), through the in-process emulator or not, and with which key. The key is used
/// for calls only; it is never written to the ledger.
/// </summary>
public sealed class ProviderConnection
{
    /// <summary>The origin jobs use when they run on the in-process emulator.</summary>
    public static readonly Uri EmulatorOrigin = new("http://batchai-emulator.invalid/");

    public ProviderKind Provider { get; set; } = ProviderKind.OpenAI;

    /// <summary>
    /// Overrides the provider's public endpoint (a gateway, a proxy, an OpenAI-compatible server, <c>batchai emulator</c>),
    /// in the form the provider's SDK takes it: OpenAI <c>…/v1</c>; Anthropic and Gemini the bare origin; Azure OpenAI
    /// the resource endpoint (<c>https://&lt;resource&gt;.openai.azure.com</c>).
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// Azure OpenAI: a dated API version (e.g. <c>2024-10-21</c>) selects the legacy <c>/openai/…?api-version=</c>
    /// routes; none (or <c>v1</c>) the v1 routes. Gemini: <c>v1beta</c> (default) or <c>v1</c>.
    /// </summary>
    public string? ApiVersion { get; set; }

    /// <summary>Use the in-process emulator instead of the network. Never implied: it must be asked for.</summary>
    public bool UseEmulator { get; set; }

    /// <summary>The API key; when null, the provider's environment variable is read.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The provider's public endpoint, in its SDK's form. Azure has none: each resource has its own.</summary>
    public static string? DefaultBaseUrl(ProviderKind provider) => provider switch
    {
        ProviderKind.Anthropic => "https://api.anthropic.com",
        ProviderKind.Gemini => "https://generativelanguage.googleapis.com",
        ProviderKind.AzureOpenAI => null,
        _ => "https://api.openai.com/v1",
    };

    /// <summary>The environment variables that may hold the key, the first set one wins (Gemini: as its SDKs decide).</summary>
    public static IReadOnlyList<string> ApiKeyVariables(ProviderKind provider) => provider switch
    {
        ProviderKind.Anthropic => ["ANTHROPIC_API_KEY"],
        ProviderKind.Gemini => ["GOOGLE_API_KEY", "GEMINI_API_KEY"],
        ProviderKind.AzureOpenAI => ["AZURE_OPENAI_API_KEY"],
        _ => ["OPENAI_API_KEY"],
    };

    /// <summary>Azure's resource endpoint comes from here when no base URL is given.</summary>
    public const string AzureEndpointVariable = "AZURE_OPENAI_ENDPOINT";

    /// <summary>The base URL as given, else Azure's endpoint variable (recorded with a job, so later runs use the same).</summary>
    public string? EffectiveBaseUrl()
    {
        if (!string.IsNullOrWhiteSpace(BaseUrl))
        {
            return BaseUrl!.Trim();
        }

        return Provider == ProviderKind.AzureOpenAI && !UseEmulator && Environment.GetEnvironmentVariable(AzureEndpointVariable) is { Length: > 0 } endpoint
            ? endpoint.Trim()
            : null;
    }

    /// <summary>
    /// The URL relative API paths append to, with a trailing slash: OpenAI <c>…/v1/</c>; Anthropic and Gemini the
    /// origin; Azure <c>…/openai/v1/</c>, or <c>…/openai/</c> for a dated API version.
    /// </summary>
    public Uri ResolveBaseUrl()
    {
        CheckApiVersion();
        if (UseEmulator && !string.IsNullOrEmpty(BaseUrl))
        {
            throw BatchAIException.InvalidInput("ConnectionConflict", "Give either the in-process emulator (-Emulator / --emulator) or a base URL (-BaseUrl / --base-url), not both.");
        }

        var text = UseEmulator
            ? (Provider == ProviderKind.OpenAI ? EmulatorOrigin.AbsoluteUri + "v1" : EmulatorOrigin.AbsoluteUri)
            : EffectiveBaseUrl() ?? DefaultBaseUrl(Provider)
              ?? throw BatchAIException.InvalidInput("AzureEndpointMissing", $"Azure OpenAI needs the resource endpoint, e.g. https://my-resource.openai.azure.com: set {AzureEndpointVariable}, or pass -BaseUrl / --base-url.");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw BatchAIException.InvalidInput("BaseUrlInvalid", $"'{text}' is not an http or https URL. Give the base URL as the provider's SDK takes it, e.g. http://127.0.0.1:8080/v1.");
        }

        if (!UseEmulator && uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            // The key travels in a header of every call: in clear text it is anyone's on the way.
            throw BatchAIException.InvalidInput("BaseUrlInsecure", $"'{uri.GetLeftPart(UriPartial.Authority)}' is plain http to another machine, which would send the API key in clear text. Use https, or http only to this machine (127.0.0.1, ::1, localhost).");
        }

        var withSlash = uri.AbsoluteUri.EndsWith("/", StringComparison.Ordinal) ? uri : new Uri(uri.AbsoluteUri + "/");
        return Provider == ProviderKind.AzureOpenAI ? AzureApiRoot(withSlash) : withSlash;
    }

    /// <summary>Whether Azure calls go to the dated routes (<c>?api-version=</c> on every call) rather than the v1 routes.</summary>
    public bool UsesDatedAzureRoutes => Provider == ProviderKind.AzureOpenAI && !string.IsNullOrWhiteSpace(ApiVersion) && ApiVersion!.Trim() is not ("v1" or "preview" or "latest");

    /// <summary>An API version only means something to Azure (v1 or a dated version) and Gemini (v1beta, v1, v1alpha).</summary>
    private void CheckApiVersion()
    {
        if (string.IsNullOrWhiteSpace(ApiVersion))
        {
            return;
        }

        var version = ApiVersion!.Trim();
        var (valid, expected) = Provider switch
        {
            ProviderKind.AzureOpenAI => (version is "v1" or "preview" or "latest" || DatedVersion.IsMatch(version), "v1, preview, or a dated version such as 2024-10-21"),
            ProviderKind.Gemini => (version is "v1beta" or "v1" or "v1alpha", "v1beta (the default), v1 or v1alpha"),
            _ => (false, "nothing: only azure-openai and gemini take an API version"),
        };
        if (!valid)
        {
            throw BatchAIException.InvalidInput("ApiVersionInvalid", $"'{version}' is not an API version {ProviderNames.DisplayName(Provider)} takes (-ApiVersion / --api-version); expected {expected}.");
        }
    }

    private static readonly System.Text.RegularExpressions.Regex DatedVersion = new(@"^\d{4}-\d{2}-\d{2}(-preview)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private Uri AzureApiRoot(Uri endpoint)
    {
        var path = endpoint.AbsolutePath;
        if (path.EndsWith("/openai/v1/", StringComparison.Ordinal) || (path.EndsWith("/openai/", StringComparison.Ordinal) && UsesDatedAzureRoutes))
        {
            return endpoint;
        }

        if (path.EndsWith("/openai/", StringComparison.Ordinal))
        {
            return new Uri(endpoint, "v1/");
        }

        return new Uri(endpoint, UsesDatedAzureRoutes ? "openai/" : "openai/v1/");
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

        foreach (var name in ApiKeyVariables(Provider))
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return fromEnvironment!;
            }
        }

        if (UseEmulator || IsLoopback(ResolveBaseUrl()))
        {
            return "batchai-local-no-key";
        }

        throw new BatchAIException(ErrorKind.Authentication, "ApiKeyMissing", $"No API key for {ProviderNames.DisplayName(Provider)}: set {string.Join(" or ", ApiKeyVariables(Provider))}, or pass -ApiKey / --api-key.");
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
