using System.Globalization;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Health;

/// <summary>
/// The backend's request counters from one scrape of its Prometheus text exposition: requests by
/// status code, and the cumulative request-duration histogram buckets (upper bound in seconds),
/// under the metric names of health.metricNames.
/// </summary>
public sealed partial record MetricsScrape(DateTimeOffset Time, Dictionary<string, double> RequestsByCode, SortedDictionary<double, double> Buckets)
{
    public static MetricsScrape Parse(string exposition, DateTimeOffset time, MetricNamesSection names)
    {
        var byCode = new Dictionary<string, double>(StringComparer.Ordinal);
        var buckets = new SortedDictionary<double, double>();
        foreach (var raw in exposition.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var name = match.Groups["name"].Value;
            var labels = Labels(match.Groups["labels"].Value);
            var value = ParseValue(match.Groups["value"].Value);
            if (name == names.Requests && labels.TryGetValue("code", out var code))
            {
                byCode[code] = byCode.GetValueOrDefault(code) + value;
            }
            else if (name == names.RequestDurationBuckets && labels.TryGetValue("le", out var le))
            {
                var bound = ParseValue(le);
                buckets[bound] = buckets.GetValueOrDefault(bound) + value;
            }
        }

        return new MetricsScrape(time, byCode, buckets);
    }

    /// <summary>For the state folder: JSON has no +Inf number, so bucket bounds are kept as text.</summary>
    public Kept ToKept() => new(Time, RequestsByCode, Buckets.ToDictionary(p => double.IsPositiveInfinity(p.Key) ? "+Inf" : p.Key.ToString("R", CultureInfo.InvariantCulture), p => p.Value));

    public static MetricsScrape FromKept(Kept kept) =>
        new(kept.Time, kept.RequestsByCode, new SortedDictionary<double, double>(kept.Buckets.ToDictionary(p => ParseValue(p.Key), p => p.Value)));

    public sealed record Kept(DateTimeOffset Time, Dictionary<string, double> RequestsByCode, Dictionary<string, double> Buckets);

    [System.Text.Json.Serialization.JsonIgnore]
    public double TotalRequests => RequestsByCode.Values.Sum();

    [System.Text.Json.Serialization.JsonIgnore]
    public double ServerErrors => RequestsByCode.Where(p => p.Key.StartsWith('5')).Sum(p => p.Value);

    private static Dictionary<string, string> Labels(string text) =>
        LabelPair().Matches(text).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);

    private static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[^}]*)\})?\s+(?<value>\S+)(?:\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
