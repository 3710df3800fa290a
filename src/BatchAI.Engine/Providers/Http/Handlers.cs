using System.Diagnostics;
using System.Globalization;
using BatchAI.Hosting;

namespace BatchAI.Providers.Http;

/// <summary>
/// Outermost handler: logs each call (method, redacted URL, status, time) as verbose output, and turns transport
/// failures into <see cref="BatchAIException"/>s whose messages have every secret removed.
/// </summary>
internal sealed class RedactionHandler(SecretRedactor redactor, IEngineReporter reporter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Method.Method + " " + redactor.Redact(request.RequestUri);
        var watch = Stopwatch.StartNew();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} -> {1} ({2:0.0} s)", target, RetryPolicy.Describe(response.StatusCode), watch.Elapsed.TotalSeconds));
            return response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not BatchAIException)
        {
            // The original exception is not kept as the inner one: its message (or its inner ones') may hold a URL
            // with a key in it. What it said is kept, redacted.
            var detail = redactor.Redact(Flatten(ex));
            throw new BatchAIException(ErrorKind.Unavailable, "ProviderUnreachable", $"{target} failed: {detail}");
        }
    }

    private static string Flatten(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.GetType().Name + ": " + e.Message);
        }

        return string.Join(" <- ", messages);
    }
}

/// <summary>
/// Retries what is worth retrying: 408, 409, 429 and 5xx answers and network failures, with exponential backoff and
/// jitter, honouring Retry-After. Each attempt has its own timeout. Request content must be re-readable (ours is).
/// </summary>
internal sealed class RetryHandler(RetryPolicy policy, IClock clock, IEngineReporter reporter, SecretRedactor redactor) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = policy.Settings;
        var retryLostAnswers = !request.Properties.ContainsKey(RetryPolicy.CreatesBatch);
        for (var attempt = 0; ; attempt++)
        {
            var timeout = AttemptTimeout(request, settings);
            using var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptCancellation.CancelAfter(timeout);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, attemptCancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attempt < settings.MaxRetries && retryLostAnswers)
            {
                await WaitAsync(request, attempt, policy.Backoff(attempt), $"no answer within {timeout.TotalSeconds:0} s", cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BatchAIException(ErrorKind.Unavailable, "ProviderTimeout", $"{request.Method} {redactor.Redact(request.RequestUri)} got no answer within {timeout.TotalSeconds:0} s, {attempt + 1} time(s).");
            }
            catch (Exception ex) when (RetryPolicy.IsNetworkFailure(ex) && attempt < settings.MaxRetries && retryLostAnswers)
            {
                await WaitAsync(request, attempt, policy.Backoff(attempt), ex.GetType().Name, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (attempt >= settings.MaxRetries || !RetryPolicy.IsRetryable(response))
            {
                return response;
            }

            var retryAfter = RetryPolicy.RetryAfter(response, clock.UtcNow);
            if (retryAfter > settings.MaxRetryAfter)
            {
                // The provider asks for a long pause (a quota, not a blip): give the caller its answer instead of hanging.
                return response;
            }

            var delay = retryAfter ?? policy.Backoff(attempt);
            var why = RetryPolicy.Describe(response.StatusCode) + (retryAfter is null ? string.Empty : ", Retry-After " + retryAfter.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
            response.Dispose();
            await WaitAsync(request, attempt, delay, why, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan AttemptTimeout(HttpRequestMessage request, HttpSettings settings)
    {
        var length = request.Content?.Headers.ContentLength ?? 0;
        var uploadTime = TimeSpan.FromSeconds(length / (double)Math.Max(1, settings.MinUploadBytesPerSecond));
        return uploadTime > settings.RequestTimeout ? uploadTime + settings.RequestTimeout : settings.RequestTimeout;
    }

    private async Task WaitAsync(HttpRequestMessage request, int attempt, TimeSpan delay, string why, CancellationToken cancellationToken)
    {
        reporter.Verbose(string.Format(
            CultureInfo.InvariantCulture,
            "{0} {1}: {2}; retry {3} of {4} in {5:0.0} s",
            request.Method,
            redactor.Redact(request.RequestUri),
            why,
            attempt + 1,
            policy.Settings.MaxRetries,
            delay.TotalSeconds));
        await clock.Delay(delay, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Adds the provider's authentication headers to every attempt.</summary>
internal sealed class AuthHandler(Action<HttpRequestMessage> authenticate) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        authenticate(request);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Lets a handler that outlives the pipeline (the in-process emulator) sit at its end without being disposed with it.</summary>
internal sealed class SharedHandler(HttpMessageHandler inner) : HttpMessageHandler
{
    private readonly HttpMessageInvoker _invoker = new(inner, disposeHandler: false);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _invoker.SendAsync(request, cancellationToken);
}
