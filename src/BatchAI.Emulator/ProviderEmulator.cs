using System.Net;
using System.Text.RegularExpressions;
using BatchAI.Emulator.Anthropic;
using BatchAI.Emulator.Faults;
using BatchAI.Emulator.Gemini;
using BatchAI.Emulator.Http;
using BatchAI.Emulator.OpenAI;
using BatchAI.Emulator.State;

namespace BatchAI.Emulator;

/// <summary>
/// The providers' batch APIs, emulated, as an <see cref="HttpMessageHandler"/>: give it to an HttpClient to talk to
/// it in-process, or serve it on 127.0.0.1 with <c>batchai emulator</c>. All four APIs share one origin, as their
/// paths do not collide:
/// <list type="bullet">
/// <item>OpenAI: <c>/v1/files…</c>, <c>/v1/batches…</c> (base URL <c>&lt;origin&gt;/v1</c>);</item>
/// <item>Anthropic: <c>/v1/messages/batches…</c> (base URL <c>&lt;origin&gt;</c>);</item>
/// <item>Gemini: <c>/v1beta/…</c> and <c>/v1/…</c> with a Gemini key header or a <c>:method</c> path, <c>/upload/…</c>,
/// <c>/download/…</c> (base URL <c>&lt;origin&gt;</c>);</item>
/// <item>Azure OpenAI: <c>/openai/v1/…</c> and the dated <c>/openai/…?api-version=</c> routes (endpoint <c>&lt;origin&gt;</c>).</item>
/// </list>
/// Every response carries the <c>X-BatchAI-Emulator</c> header.
/// </summary>
public sealed class ProviderEmulator : HttpMessageHandler
{
    private static readonly Regex DatedApiVersion = new(@"^\d{4}-\d{2}-\d{2}(-preview)?$", RegexOptions.CultureInvariant);
    private readonly OpenAIProtocol _openAI;
    private readonly OpenAIProtocol _azure;
    private readonly AnthropicProtocol _anthropic;
    private readonly GeminiProtocol _gemini;
    private readonly FaultPlan _faults;
    private readonly Realtime.RateLimiter _limiter;
    private readonly string? _ownedStateDirectory;

    public ProviderEmulator(EmulatorOptions? options = null)
    {
        Options = options ?? new EmulatorOptions();
        Options.Validate();
        var directory = Options.StateDirectory;
        if (directory is null)
        {
            directory = Path.Combine(Path.GetTempPath(), "batchai-emulator-" + Guid.NewGuid().ToString("N"));
            _ownedStateDirectory = directory;
        }

        Store = new EmulatorStore(directory);
        _faults = new FaultPlan(Options);
        _limiter = new Realtime.RateLimiter(Options);
        _openAI = new OpenAIProtocol(Store, Options, OpenAIFlavor.OpenAI, _faults);
        _azure = new OpenAIProtocol(new EmulatorStore(Path.Combine(directory, "azure")), Options, OpenAIFlavor.Azure, _faults);
        _anthropic = new AnthropicProtocol(Store, Options, _faults);
        _gemini = new GeminiProtocol(Store, Options, _faults);
    }

    public EmulatorOptions Options { get; }

    /// <summary>The folder that holds the emulated files and batches.</summary>
    public string StateDirectory => Store.Root;

    internal EmulatorStore Store { get; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request?.RequestUri is null)
        {
            throw new ArgumentException("The request has no URI.", nameof(request));
        }

        // Clients may escape the ':' of Gemini's custom methods (batches/x%3Acancel).
        var path = Uri.UnescapeDataString(request.RequestUri.AbsolutePath).TrimEnd('/');
        if (SynchronousFrontEnd(request, path) is { } synchronous && _limiter.Admit() is { } wait)
        {
            return FaultResponses.RateLimited(synchronous, wait);
        }

        if (path == "/v1/messages/count_tokens" && request.Method == HttpMethod.Post)
        {
            return Fault(FrontEnd.Anthropic) ?? await _anthropic.CountTokensAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (path == "/v1/messages" && request.Method == HttpMethod.Post)
        {
            return Fault(FrontEnd.Anthropic) ?? await _anthropic.MessageAsync(request, cancellationToken).ConfigureAwait(false);
        }

        const string messageBatches = "/v1/messages/batches";
        if (path == messageBatches || path.StartsWith(messageBatches + "/", StringComparison.Ordinal))
        {
            return Fault(FrontEnd.Anthropic) ?? await _anthropic.HandleAsync(request, path.Substring(messageBatches.Length).Trim('/'), cancellationToken).ConfigureAwait(false);
        }

        if (GeminiProtocol.Claims(request, path))
        {
            return Fault(FrontEnd.Gemini) ?? await _gemini.HandleAsync(request, path, cancellationToken).ConfigureAwait(false);
        }

        if (path.StartsWith("/openai/", StringComparison.Ordinal))
        {
            return Fault(FrontEnd.Azure) ?? await HandleAzureAsync(request, path.Substring("/openai/".Length), cancellationToken).ConfigureAwait(false);
        }

        if (path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return Fault(FrontEnd.OpenAI) ?? await _openAI.HandleAsync(request, path.Substring("/v1/".Length), cancellationToken).ConfigureAwait(false);
        }

        return OpenAIProtocol.InvalidUrl(request);
    }

    /// <summary>The front end of a synchronous model call (which the rate limit governs), or null for a batch API call.</summary>
    private static FrontEnd? SynchronousFrontEnd(HttpRequestMessage request, string path)
    {
        if (request.Method != HttpMethod.Post)
        {
            return null;
        }

        return path switch
        {
            "/v1/messages" => FrontEnd.Anthropic,
            "/v1/chat/completions" => FrontEnd.OpenAI,
            "/openai/v1/chat/completions" => FrontEnd.Azure,
            _ when path.EndsWith(":generateContent", StringComparison.Ordinal) => FrontEnd.Gemini,
            _ => null,
        };
    }

    /// <summary>An injected fault in place of the answer (before the call has any effect), or null to answer it.</summary>
    private HttpResponseMessage? Fault(FrontEnd frontEnd) =>
        _faults.NextCall() is { } fault ? FaultResponses.For(frontEnd, fault) : null;

    /// <summary>
    /// Azure's two URL generations: <c>/openai/v1/…</c> (api-version optional: <c>v1</c>, <c>preview</c>, <c>latest</c>)
    /// and <c>/openai/…</c> with a required dated <c>api-version</c>; batches came with 2024-07-01-preview.
    /// </summary>
    private Task<HttpResponseMessage> HandleAzureAsync(HttpRequestMessage request, string path, CancellationToken cancellationToken)
    {
        Query.Parse(request.RequestUri!).TryGetValue("api-version", out var version);
        if (path.StartsWith("v1/", StringComparison.Ordinal))
        {
            return version is null or "v1" or "preview" or "latest"
                ? _azure.HandleAsync(request, path.Substring("v1/".Length), cancellationToken)
                : Task.FromResult(AzureError(HttpStatusCode.BadRequest, "BadRequest", $"API version '{version}' is not supported on the v1 routes; use v1 or preview, or leave it out."));
        }

        if (version is null)
        {
            return Task.FromResult(AzureError(HttpStatusCode.NotFound, "404", "Resource not found"));
        }

        return DatedApiVersion.IsMatch(version) && string.CompareOrdinal(version, "2024-07-01") >= 0
            ? _azure.HandleAsync(request, path, cancellationToken)
            : Task.FromResult(AzureError(HttpStatusCode.NotFound, "404", $"Resource not found: API version '{version}' has no batch support (batches need 2024-07-01-preview or later)."));
    }

    internal static HttpResponseMessage AzureError(HttpStatusCode status, string code, string message) =>
        Responses.Json(status, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownedStateDirectory is not null)
        {
            try
            {
                Directory.Delete(_ownedStateDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A download still streaming from the folder; the OS temp cleaner will get it.
            }
        }

        base.Dispose(disposing);
    }
}
