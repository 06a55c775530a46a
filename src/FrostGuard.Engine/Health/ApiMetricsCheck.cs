using System.Globalization;

namespace FrostGuard.Engine.Health;

/// <summary>
/// API error rate and p95 response time from the backend's Prometheus metrics: counter and
/// histogram bucket deltas between this scrape and the previous one kept in the state folder
/// when that is recent, else between two scrapes one second apart. With health.prometheusUrl set,
/// PromQL instant queries over the "sustained" window instead (see <see cref="RunPromQlAsync"/>).
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
        if (context.Config.Health.PrometheusUrl is { } prometheus)
        {
            return await RunPromQlAsync(context, prometheus, url ?? prometheus, started, cancellationToken).ConfigureAwait(false);
        }

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
            : context.Result(ResponseTimeName, url, HealthStatus.Unknown, $"{url} has no request-duration histogram ({context.Config.Health.MetricNames.RequestDurationBuckets}).", latencyRule,
                duration: context.Clock.GetElapsedTime(started)));
        return results;
    }

    /// <summary>
    /// The window a metric is judged over in PromQL mode: the longest "sustained" window of its
    /// lines, else <see cref="ThresholdTable.DefaultSustainedWindow"/> (5 minutes).
    /// </summary>
    public static TimeSpan PromQlWindow(ThresholdSet thresholds, string key) =>
        thresholds.For(key).Select(t => t.Sustained).Where(w => w is not null).Select(w => w!.Value).DefaultIfEmpty(ThresholdTable.DefaultSustainedWindow).Max();

    /// <summary>
    /// Error rate and p95 from a Prometheus server: rate() over the window, so the value is the
    /// average over it; a sustained line is held when that average crosses it (the window is the
    /// line's own). Fewer than <see cref="MinimumRequests"/> requests in the window, no series, or
    /// no answer: Unknown with the reason, never Ok.
    /// </summary>
    private static async Task<IReadOnlyList<FrostHealthResult>> RunPromQlAsync(HealthContext context, string prometheus, string target, long started,
        CancellationToken cancellationToken)
    {
        var names = context.Config.Health.MetricNames;
        var errorWindow = PrometheusQuery.Window(PromQlWindow(context.Thresholds, MetricKeys.ErrorRate));
        var latencyWindow = PrometheusQuery.Window(PromQlWindow(context.Thresholds, MetricKeys.ResponseTimeP95));
        var errorQuery = PrometheusQuery.QueryAsync(prometheus, PrometheusQuery.ErrorRate(names, errorWindow), cancellationToken);
        var latencyQuery = PrometheusQuery.QueryAsync(prometheus, PrometheusQuery.P95(names, latencyWindow), cancellationToken);
        var errorRequests = PrometheusQuery.QueryAsync(prometheus, PrometheusQuery.Requests(names, errorWindow), cancellationToken);
        var latencyRequests = errorWindow == latencyWindow ? errorRequests : PrometheusQuery.QueryAsync(prometheus, PrometheusQuery.Requests(names, latencyWindow), cancellationToken);
        await Task.WhenAll(errorQuery, latencyQuery, errorRequests, latencyRequests).ConfigureAwait(false);
        return
        [
            Judge(ErrorRateName, MetricKeys.ErrorRate, errorQuery.Result, errorRequests.Result, errorWindow, "5xx share"),
            Judge(ResponseTimeName, MetricKeys.ResponseTimeP95, latencyQuery.Result, latencyRequests.Result, latencyWindow, "p95"),
        ];

        FrostHealthResult Judge(string check, string key, PromQlAnswer answer, PromQlAnswer requests, string window, string what)
        {
            var rule = context.Thresholds.Describe(key);
            var problem = answer.Problem ?? requests.Problem;
            if (problem is not null)
            {
                return context.Result(check, target, HealthStatus.Unknown, $"{problem}; query: {answer.Query}. Check the server: curl {prometheus.TrimEnd('/')}/api/v1/targets",
                    rule, duration: context.Clock.GetElapsedTime(started));
            }

            var count = requests.Value!.Value;
            if (count < MinimumRequests)
            {
                return context.Result(check, target, HealthStatus.Unknown,
                    $"Only {count:0} requests in the last {window} (PromQL at {prometheus}: {requests.Query}); at least {MinimumRequests} are needed to judge.",
                    rule, duration: context.Clock.GetElapsedTime(started));
            }

            return context.Judge(check, target, key, answer.Value!.Value,
                $"{what} over the last {window} ({count:0} requests), from PromQL at {prometheus}: {answer.Query} =", started, _ => true);
        }
    }

    private static async Task<MetricsScrape> ScrapeAsync(HealthContext context, string url, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return MetricsScrape.Parse(text, context.Clock.GetUtcNow(), context.Config.Health.MetricNames);
    }
}
