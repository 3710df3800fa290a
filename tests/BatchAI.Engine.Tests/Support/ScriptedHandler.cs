using System.Net;

namespace BatchAI.Engine.Tests.Support;

/// <summary>Answers requests from a script, one step per call, and records what was sent each time.</summary>
internal sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] steps) : HttpMessageHandler
{
    private int _next;

    public List<(string Method, string Uri, string? Authorization, string Body)> Sent { get; } = [];

    public static Func<HttpRequestMessage, HttpResponseMessage> Status(HttpStatusCode status, string body = "{}", params (string Name, string Value)[] headers) => _ =>
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body) };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    };

    public static Func<HttpRequestMessage, HttpResponseMessage> Throw(Exception exception) => _ => throw exception;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        Sent.Add((request.Method.Method, request.RequestUri!.ToString(), request.Headers.Authorization?.ToString(), body));
        var step = steps[Math.Min(_next++, steps.Length - 1)];
        return step(request);
    }
}
