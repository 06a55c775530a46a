namespace FrostGuard.Engine.Health;

/// <summary>
/// What happened between two scrapes: requests, 5xx errors and the duration histogram as
/// counter deltas. Null when a counter went backwards (the backend restarted in between).
/// </summary>
public sealed record MetricsWindow(TimeSpan Length, double Requests, double Errors, SortedDictionary<double, double> Buckets)
{
    public static MetricsWindow? Between(MetricsScrape earlier, MetricsScrape later)
    {
        if (later.RequestsByCode.Any(p => p.Value < earlier.RequestsByCode.GetValueOrDefault(p.Key))
            || earlier.RequestsByCode.Keys.Any(k => !later.RequestsByCode.ContainsKey(k))
            || later.Buckets.Any(p => p.Value < earlier.Buckets.GetValueOrDefault(p.Key)))
        {
            return null;
        }

        var buckets = new SortedDictionary<double, double>(later.Buckets.ToDictionary(p => p.Key, p => p.Value - earlier.Buckets.GetValueOrDefault(p.Key)));
        return new MetricsWindow(later.Time - earlier.Time, later.TotalRequests - earlier.TotalRequests, later.ServerErrors - earlier.ServerErrors, buckets);
    }

    public double ErrorRatePercent => Requests <= 0 ? 0 : Errors * 100.0 / Requests;

    /// <summary>
    /// The q-quantile in seconds as PromQL's histogram_quantile computes it: find the bucket that
    /// holds rank q × count and interpolate linearly inside it (from 0 for the first bucket); a
    /// rank in the +Inf bucket gives the highest finite bound. Null with no observations.
    /// </summary>
    public double? Quantile(double q)
    {
        if (Buckets.Count == 0 || !Buckets.TryGetValue(double.PositiveInfinity, out var count) || count <= 0)
        {
            return null;
        }

        var rank = q * count;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var (bound, cumulative) in Buckets)
        {
            if (cumulative >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound;
                }

                var inBucket = cumulative - lowerCount;
                return inBucket <= 0 ? bound : lowerBound + (bound - lowerBound) * (rank - lowerCount) / inBucket;
            }

            lowerBound = bound;
            lowerCount = cumulative;
        }

        return lowerBound;
    }
}
