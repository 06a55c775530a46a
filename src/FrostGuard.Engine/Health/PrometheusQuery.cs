using System.Globalization;
using System.Text.Json;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Health;

/// <summary>The answer to one instant query: its value, or why there is none.</summary>
public sealed record PromQlAnswer(string Query, double? Value, string? Problem);

/// <summary>
/// Instant queries against a Prometheus server's HTTP API (GET /api/v1/query). A query that
/// yields one sample gives its value; no series, NaN, an error answer or no answer at all give
/// the reason instead (the caller turns that into Unknown, never Ok).
/// </summary>
public static class PrometheusQuery
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// The 5xx share in %. "or vector(0)": a backend that has never answered 5xx has no such series,
    /// and without it the division would be empty (no answer) instead of 0%.
    /// </summary>
    public static string ErrorRate(MetricNamesSection names, string window) =>
        $"(sum(rate({names.Requests}{{code=~\"5..\"}}[{window}])) or vector(0)) / sum(rate({names.Requests}[{window}])) * 100";

    public static string Requests(MetricNamesSection names, string window) => $"sum(increase({names.Requests}[{window}]))";

    public static string P95(MetricNamesSection names, string window) =>
        $"histogram_quantile(0.95, sum by (le) (rate({names.RequestDurationBuckets}[{window}]))) * 1000";

    /// <summary>A window as PromQL writes a duration: 5m, 90s, 1h.</summary>
    public static string Window(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours:0}h"
        : window.TotalMinutes >= 1 && window.TotalMinutes % 1 == 0 ? $"{window.TotalMinutes:0}m"
        : $"{Math.Max(1, Math.Round(window.TotalSeconds)):0}s";

    public static async Task<PromQlAnswer> QueryAsync(string prometheusUrl, string query, CancellationToken cancellationToken)
    {
        var uri = $"{prometheusUrl.TrimEnd('/')}/api/v1/query?query={Uri.EscapeDataString(query)}";
        string body;
        try
        {
            using var response = await Http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode && !body.TrimStart().StartsWith('{'))
            {
                return new PromQlAnswer(query, null, $"Prometheus at {prometheusUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
        }
        catch (HttpRequestException e)
        {
            return new PromQlAnswer(query, null, $"Prometheus at {prometheusUrl} is not reachable ({e.Message})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PromQlAnswer(query, null, $"Prometheus at {prometheusUrl} did not answer within {Http.Timeout.TotalSeconds:0} s");
        }

        return Parse(prometheusUrl, query, body);
    }

    /// <summary>The value of an instant-query answer (the JSON of /api/v1/query), or the reason there is none.</summary>
    public static PromQlAnswer Parse(string prometheusUrl, string query, string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return new PromQlAnswer(query, null, $"Prometheus at {prometheusUrl} answered something that is not JSON ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.TryGetProperty("status", out var status) && status.GetString() != "success")
            {
                var error = root.TryGetProperty("error", out var e) ? e.GetString() : "no reason given";
                return new PromQlAnswer(query, null, $"Prometheus at {prometheusUrl} rejected the query: {error}");
            }

            if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("result", out var result))
            {
                return new PromQlAnswer(query, null, $"Prometheus at {prometheusUrl} answered without data.result");
            }

            var type = data.TryGetProperty("resultType", out var t) ? t.GetString() : null;
            var sample = type switch
            {
                "vector" when result.GetArrayLength() == 0 => (JsonElement?)null,
                "vector" => result[0].GetProperty("value"),
                "scalar" => result,
                _ => null,
            };
            if (sample is null)
            {
                return new PromQlAnswer(query, null, type == "vector"
                    ? $"Prometheus at {prometheusUrl} has no series for it (is it scraping the backend's /metrics?)"
                    : $"Prometheus at {prometheusUrl} answered a {type}, not one value");
            }

            var text = sample.Value[1].GetString();
            var value = text switch
            {
                "NaN" => double.NaN,
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(text!, CultureInfo.InvariantCulture),
            };
            return double.IsNaN(value)
                ? new PromQlAnswer(query, null, $"Prometheus at {prometheusUrl} answered NaN (no requests in the window)")
                : new PromQlAnswer(query, value, null);
        }
    }
}
