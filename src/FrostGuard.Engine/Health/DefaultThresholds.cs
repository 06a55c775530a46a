namespace FrostGuard.Engine.Health;

/// <summary>
/// The built-in thresholds: the manual's monitoring table as the issue gives it, plus the lines
/// for checks the table does not cover. A table read from the manual replaces these per metric.
/// </summary>
public static class DefaultThresholds
{
    public const string Source = "built-in";

    /// <summary>The monitoring table of runbooks/monitoring.md, as shipped.</summary>
    public static readonly IReadOnlyList<string> Header = ["Metric", "Warning", "Critical"];

    public static readonly IReadOnlyList<IReadOnlyList<string>> Rows =
    [
        ["CPU Usage", "> 70% sustained", "> 90%"],
        ["Memory Usage", "> 80%", "> 95%"],
        ["Disk Usage", "> 70%", "> 85%"],
        ["API Error Rate", "> 1%", "> 5%"],
        ["Response Time (p95)", "> 500ms", "> 2000ms"],
        ["Database Connections", "> 80%", "> 95%"],
        ["Longest Transaction", "> 5 min", "> 30 min"],
        ["Certificate Expiry", "< 30 days", "< 7 days"],
        // Not in the manual's table: a standby half a minute behind loses that much on a failover;
        // five minutes behind is a standby that has stopped keeping up.
        ["Replication Lag", "> 30s", "> 5 min"],
        // The achieved recovery point of continuous archiving: a healthy archiver is under a
        // second behind; a minute means it stalls, a quarter of an hour that it is as good as gone.
        ["WAL Archive Lag", "> 1 min", "> 15 min"],
    ];

    public static IReadOnlyList<FrostThreshold> All() =>
        ThresholdTable.FromTable(Header, Rows.Select((cells, i) => new TableRow(cells, i + 1)).ToList(), Source)
            .Select(t => new FrostThreshold
            {
                Metric = t.Metric, Key = t.Key, Level = t.Level, Comparison = t.Comparison, Value = t.Value,
                Unit = t.Unit, Sustained = t.Sustained, Source = Source,
            })
            .ToList();

    /// <summary>The manual's lines win, metric by metric; the built-in ones fill the rest.</summary>
    public static IReadOnlyList<FrostThreshold> Merge(IReadOnlyList<FrostThreshold> fromManual)
    {
        var keys = fromManual.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        return fromManual.Concat(All().Where(t => !keys.Contains(t.Key))).ToList();
    }
}
