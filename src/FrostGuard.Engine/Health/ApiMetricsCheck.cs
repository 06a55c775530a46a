using System.Globalization;

namespace FrostGuard.Engine.Health;

/// <summary>
/// API error rate and p95 response time from the backend's Prometheus metrics: counter and
/// histogram bucket deltas between this scrape and the previous one kept in the state folder
/// when that is recent, else between two scrapes one second apart.
/// </summary>
public sealed class ApiMetricsCheck : IHealthCheck
{
    public const string CheckName = "ApiMetrics";
    public const string ErrorRateName = "ErrorRate";
    public const string ResponseTimeName = "ResponseTime";

    /// <summary>A kept scrape older than this is stale: the window would hide what is happening now.</summary>
    public static readonly TimeSpan RecentEnough = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan FreshInterval = TimeSpan.FromSeconds(1);
    /// <summary>Fewer requests than this in the window judge nothing (one 500 in 3 requests is not a 33% error rate).</summary>
    public const int MinimumRequests = 10;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [ErrorRateName, ResponseTimeName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var url = context.Config.Health.MetricsUrl;
        var errorRule = context.Thresholds.Describe(MetricKeys.ErrorRate);
        var latencyRule = context.Thresholds.Describe(MetricKeys.ResponseTimeP95);
        if (url is null)
        {
            var reason = $"No health.metricsUrl in {context.Config.SourcePath}: no metrics to judge.";
            return [context.Result(ErrorRateName, "metrics", HealthStatus.Unknown, reason, errorRule),
                    context.Result(ResponseTimeName, "metrics", HealthStatus.Unknown, reason, latencyRule)];
        }

        MetricsScrape current;
        try
        {
            current = await ScrapeAsync(context, url, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            var failed = $"Cannot scrape {url}: {e.Message}. Check the backend: Get-FrostService backend";
            return [context.Result(ErrorRateName, url, HealthStatus.Critical, failed, errorRule, duration: context.Clock.GetElapsedTime(started)),
                    context.Result(ResponseTimeName, url, HealthStatus.Critical, failed, latencyRule, duration: context.Clock.GetElapsedTime(started))];
        }

        var store = new StateFile<MetricsScrape.Kept>(context.StateFolder, "metrics-scrape.json");
        var kept = store.Read() is { } saved ? MetricsScrape.FromKept(saved) : null;
        var window = kept is not null && current.Time - kept.Time <= RecentEnough && current.Time - kept.Time >= FreshInterval
            ? MetricsWindow.Between(kept, current)
            : null;
        var source = "since the scrape kept from the previous run";
        if (window is null)
        {
            await Task.Delay(FreshInterval, context.Clock, cancellationToken).ConfigureAwait(false);
            var earlier = current;
            current = await ScrapeAsync(context, url, cancellationToken).ConfigureAwait(false);
            window = MetricsWindow.Between(earlier, current);
            source = "between two scrapes one second apart";
        }

        store.Write(current.ToKept());
        if (window is null)
        {
            var reset = $"The counters at {url} went backwards between two scrapes (the backend restarted): nothing to judge yet; run again.";
            return [context.Result(ErrorRateName, url, HealthStatus.Unknown, reset, errorRule, duration: context.Clock.GetElapsedTime(started)),
                    context.Result(ResponseTimeName, url, HealthStatus.Unknown, reset, latencyRule, duration: context.Clock.GetElapsedTime(started))];
        }

        var span = $"{window.Requests.ToString("0", CultureInfo.InvariantCulture)} requests in {window.Length.TotalSeconds:0.#} s {source}";
        if (window.Requests < MinimumRequests)
        {
            var tooFew = $"Only {span}; at least {MinimumRequests} are needed to judge.";
            return [context.Result(ErrorRateName, url, HealthStatus.Unknown, tooFew, errorRule, duration: context.Clock.GetElapsedTime(started)),
                    context.Result(ResponseTimeName, url, HealthStatus.Unknown, tooFew, latencyRule, duration: context.Clock.GetElapsedTime(started))];
        }

        var results = new List<FrostHealthResult>
        {
            context.Judge(ErrorRateName, url, MetricKeys.ErrorRate, window.ErrorRatePercent,
                $"{window.Errors:0} of {span} answered 5xx:", started),
        };
        results.Add(window.Quantile(0.95) is { } p95
            ? context.Judge(ResponseTimeName, url, MetricKeys.ResponseTimeP95, p95 * 1000, $"p95 over {span}:", started)
            : context.Result(ResponseTimeName, url, HealthStatus.Unknown, $"{url} has no request-duration histogram ({MetricsScrape.DurationBucketMetric}).", latencyRule,
                duration: context.Clock.GetElapsedTime(started)));
        return results;
    }

    private static async Task<MetricsScrape> ScrapeAsync(HealthContext context, string url, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return MetricsScrape.Parse(text, context.Clock.GetUtcNow());
    }
}
