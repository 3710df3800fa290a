using BatchAI.Emulator.OpenAI;
using BatchAI.Emulator.State;

namespace BatchAI.Emulator;

/// <summary>
/// The providers' batch APIs, emulated, as an <see cref="HttpMessageHandler"/>: give it to an HttpClient to talk to
/// it in-process, or serve it on 127.0.0.1 with <c>batchai emulator</c>. OpenAI's files and batches endpoints live
/// under <c>/v1/</c>. Every response carries the <c>X-BatchAI-Emulator</c> header.
/// </summary>
public sealed class ProviderEmulator : HttpMessageHandler
{
    private readonly OpenAIProtocol _openAI;
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
        _openAI = new OpenAIProtocol(Store, Options);
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

        var path = request.RequestUri.AbsolutePath.TrimEnd('/');
        if (path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return await _openAI.HandleAsync(request, path.Substring("/v1/".Length), cancellationToken).ConfigureAwait(false);
        }

        return OpenAIProtocol.InvalidUrl(request);
    }

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
