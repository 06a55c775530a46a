using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace FrostGuard.Sandbox.Backend;

/// <summary>
/// A request counter by status code and a request-duration histogram, exposed in the
/// Prometheus text format at /metrics.
/// </summary>
public sealed class RequestMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

    private readonly ConcurrentDictionary<int, long> _requestsByCode = new();
    private readonly long[] _bucketCounts = new long[Buckets.Length];
    private readonly object _sumGate = new();
    private double _durationSum;
    private long _durationCount;

    public void Observe(int statusCode, TimeSpan duration)
    {
        _requestsByCode.AddOrUpdate(statusCode, 1, (_, n) => n + 1);
        var seconds = duration.TotalSeconds;
        for (var i = 0; i < Buckets.Length; i++)
        {
            if (seconds <= Buckets[i])
            {
                Interlocked.Increment(ref _bucketCounts[i]);
            }
        }

        lock (_sumGate)
        {
            _durationSum += seconds;
            _durationCount++;
        }
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP frostguard_http_requests_total HTTP requests served by the API, by status code.\n");
        text.Append("# TYPE frostguard_http_requests_total counter\n");
        foreach (var (code, requests) in _requestsByCode.OrderBy(p => p.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"frostguard_http_requests_total{{code=\"{code}\"}} {requests}\n");
        }

        text.Append("# HELP frostguard_http_request_duration_seconds Time to serve an API request.\n");
        text.Append("# TYPE frostguard_http_request_duration_seconds histogram\n");
        for (var i = 0; i < Buckets.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"frostguard_http_request_duration_seconds_bucket{{le=\"{Buckets[i]}\"}} {Interlocked.Read(ref _bucketCounts[i])}\n");
        }

        double sum;
        long count;
        lock (_sumGate)
        {
            sum = _durationSum;
            count = _durationCount;
        }

        text.Append(CultureInfo.InvariantCulture, $"frostguard_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n");
        text.Append(CultureInfo.InvariantCulture, $"frostguard_http_request_duration_seconds_sum {sum}\n");
        text.Append(CultureInfo.InvariantCulture, $"frostguard_http_request_duration_seconds_count {count}\n");
        return text.ToString();
    }
}
