using System.Diagnostics;
using System.Net;
using System.Text;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Posts a JSON body to a webhook with a timeout per attempt and retries (exponential back-off,
/// Retry-After honoured) on network errors, timeouts, 429 and 5xx; other 4xx answers are final.
/// Webhook URLs carry secrets in their path, so messages show only scheme, host and port.
/// </summary>
public sealed class WebhookSender
{
    private readonly HttpMessageHandler _handler;
    private readonly TimeProvider _clock;

    public WebhookSender(HttpMessageHandler? handler = null, TimeProvider? clock = null)
    {
        _handler = handler ?? new SocketsHttpHandler();
        _clock = clock ?? TimeProvider.System;
    }

    public static TimeSpan FirstBackoff { get; } = TimeSpan.FromMilliseconds(500);

    public async Task<FrostAlertDelivery> PostAsync(Uri uri, string json, int alertCount, TimeSpan timeout, int maxAttempts,
        IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var clock = Stopwatch.StartNew();
        var shown = Redact(uri);
        string? lastProblem = null;
        for (var attempt = 1; attempt <= maxAttempts; attempt++)
        {
            TimeSpan? retryAfter = null;
            using var perAttempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            perAttempt.CancelAfter(timeout);
            try
            {
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(uri, content, perAttempt.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    reporter.Verbose($"Posted {alertCount} alert(s) to {shown}: {(int)response.StatusCode} on attempt {attempt}.");
                    return new FrostAlertDelivery { Webhook = shown, Alerts = alertCount, Attempts = attempt, StatusCode = (int)response.StatusCode, Duration = clock.Elapsed };
                }

                var answer = await response.Content.ReadAsStringAsync(perAttempt.Token).ConfigureAwait(false);
                lastProblem = $"{(int)response.StatusCode} {response.ReasonPhrase} {answer.Trim()}".Trim();
                if (response.StatusCode != HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500)
                {
                    throw Failed(shown, attempt, lastProblem, "The webhook refused the message: check the URL (-Uri, or alerts.webhooks in the configuration).");
                }

                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException e)
            {
                lastProblem = e.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = $"no answer within {timeout.TotalSeconds:0.#} s";
            }

            if (attempt < maxAttempts)
            {
                var wait = retryAfter ?? TimeSpan.FromTicks(FirstBackoff.Ticks << (attempt - 1));
                reporter.Warning($"Posting to {shown} failed (attempt {attempt} of {maxAttempts}: {lastProblem}); retrying in {wait.TotalSeconds:0.#} s.");
                await Task.Delay(wait, _clock, cancellationToken).ConfigureAwait(false);
            }
        }

        throw Failed(shown, maxAttempts, lastProblem ?? "unknown", "Check that the webhook's host is reachable from here, or raise -TimeoutSeconds / -MaxAttempts.");
    }

    /// <summary>scheme://host:port/… — the path and query of a webhook URL are its secret.</summary>
    public static string Redact(Uri uri) => $"{uri.Scheme}://{uri.Authority}/…";

    private static FrostException Failed(string shown, int attempts, string problem, string action) =>
        new(ErrorIds.AlertDeliveryFailed, FailureKind.ConnectionFailed, $"Could not post the alert to {shown} after {attempts} attempt(s): {problem}", shown, action);
}
