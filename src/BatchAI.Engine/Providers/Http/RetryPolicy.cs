using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace BatchAI.Providers.Http;

/// <summary>Which responses are worth another attempt, and how long to wait before it.</summary>
internal sealed class RetryPolicy(HttpSettings settings, Func<double> random)
{
    /// <summary>
    /// Marks a request that creates a batch: a lost answer (a dropped connection, a timeout) is not retried blindly,
    /// as the batch may exist and a second one would be paid for twice. Answers with a status are retried as usual.
    /// </summary>
    public const string CreatesBatch = "BatchAI.CreatesBatch";

    public HttpSettings Settings { get; } = settings;

    public static bool IsRetryable(HttpResponseMessage response)
    {
        // OpenAI's x-should-retry overrides the status-based rule, both ways (as its SDKs do).
        if (response.Headers.TryGetValues("x-should-retry", out var values))
        {
            var value = values.FirstOrDefault();
            if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        var status = (int)response.StatusCode;
        return status is 408 or 409 or 429 || status >= 500;
    }

    /// <summary>Exponential backoff with equal jitter: half the delay fixed, half random, so clients spread out.</summary>
    public TimeSpan Backoff(int retry)
    {
        var exponential = Settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
        var capped = Math.Min(exponential, Settings.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (capped / 2 * random()));
    }

    /// <summary>The delay the response asks for (retry-after-ms, or Retry-After as seconds or a date), if any.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (response.Headers.RetryAfter is RetryConditionHeaderValue retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - now;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }

        // Some gateways send fractional seconds, which the typed header rejects.
        if (response.Headers.TryGetValues("Retry-After", out var raw)
            && double.TryParse(raw.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    public static bool IsNetworkFailure(Exception exception) =>
        exception is HttpRequestException or IOException || exception.InnerException is IOException;

    public static string Describe(HttpStatusCode status) => ((int)status).ToString(CultureInfo.InvariantCulture) + " " + status;
}
