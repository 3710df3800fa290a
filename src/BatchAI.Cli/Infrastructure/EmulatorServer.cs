using System.Net;
using BatchAI.Emulator;
using BatchAI.Emulator.Faults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BatchAI.Cli.Infrastructure;

/// <summary>
/// Serves the emulator on 127.0.0.1 with Kestrel, so official SDKs, curl and other processes can use it. Requests and
/// responses stream through in both directions; uploads may be as large as the providers allow.
/// </summary>
internal sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _invoker;

    private EmulatorServer(WebApplication app, HttpMessageInvoker invoker, Uri root)
    {
        _app = app;
        _invoker = invoker;
        Root = root;
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Root { get; }

    /// <summary>The OpenAI base URL, as the official SDKs take it: http://127.0.0.1:port/v1.</summary>
    public Uri OpenAIBaseUrl => new(Root, "v1");

    /// <summary>
    /// Canceled when the host is told to stop. ASP.NET Core's console lifetime takes SIGTERM (and SIGINT, SIGQUIT) for
    /// itself and stops the host, so a command that waits only on its own cancellation would never hear of it.
    /// </summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <param name="port">The port on 127.0.0.1; 0 picks a free one.</param>
    public static async Task<EmulatorServer> StartAsync(ProviderEmulator emulator, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, port);
            options.Limits.MaxRequestBodySize = 600L * 1024 * 1024; // above OpenAI's 512 MB file limit, so the emulator answers it
        });
        var app = builder.Build();
        var invoker = new HttpMessageInvoker(emulator, disposeHandler: false);
        app.Run(context => ForwardAsync(context, invoker));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var root = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return new EmulatorServer(app, invoker, root);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _invoker.Dispose();
    }

    private static async Task ForwardAsync(HttpContext context, HttpMessageInvoker invoker)
    {
        var source = context.Request;
        using var request = new HttpRequestMessage(new HttpMethod(source.Method), new Uri($"http://{source.Host}{source.PathBase}{source.Path}{source.QueryString}"));
        if (source.ContentLength > 0 || source.Headers.ContainsKey("Transfer-Encoding"))
        {
            request.Content = new StreamContent(source.Body);
        }

        foreach (var header in source.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await invoker.SendAsync(request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (EmulatedConnectionDropException)
        {
            context.Abort(); // an injected fault: the client sees the connection reset, with no answer
            return;
        }

        using var _ = response;
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!string.Equals(header.Key, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
