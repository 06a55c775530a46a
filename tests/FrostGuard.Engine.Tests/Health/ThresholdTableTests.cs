using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class ThresholdTableTests
{
    private static readonly string[] Header = ["Metric", "Warning", "Critical"];

    private static IReadOnlyList<FrostThreshold> Read(params string[][] rows) =>
        ThresholdTable.FromTable(Header, rows.Select((r, i) => new TableRow(r, 10 + i)).ToList(), "monitoring.md", 8);

    [Fact]
    public void The_issue_table_becomes_typed_thresholds_with_units_windows_and_sources()
    {
        var thresholds = Read(
            ["CPU Usage", "> 70% sustained", "> 90%"],
            ["Response Time (p95)", "> 500ms", "> 2000ms"]);

        var cpuWarning = thresholds.Single(t => t.Key == MetricKeys.Cpu && t.Level == HealthStatus.Warning);
        Assert.Equal(ThresholdComparison.GreaterThan, cpuWarning.Comparison);
        Assert.Equal(70, cpuWarning.Value);
        Assert.Equal("%", cpuWarning.Unit);
        Assert.Equal(TimeSpan.FromMinutes(5), cpuWarning.Sustained);
        Assert.Equal("monitoring.md:10", cpuWarning.Source);
        Assert.Null(thresholds.Single(t => t.Key == MetricKeys.Cpu && t.Level == HealthStatus.Critical).Sustained);
        var p95Critical = thresholds.Single(t => t.Key == MetricKeys.ResponseTimeP95 && t.Level == HealthStatus.Critical);
        Assert.Equal(2000, p95Critical.Value);
        Assert.Equal("ms", p95Critical.Unit);
        Assert.Equal("monitoring.md:11", p95Critical.Source);
    }

    [Theory]
    [InlineData("> 2s", 2000)]
    [InlineData(">= 1.5 s", 1500)]
    [InlineData("> 750", 750)]
    public void Times_are_converted_to_the_metric_unit(string cell, double milliseconds)
    {
        var threshold = Assert.Single(Read(["Response Time (p95)", cell, "-"]));
        Assert.Equal(milliseconds, threshold.Value);
    }

    [Fact]
    public void Sustained_takes_an_explicit_window_and_empty_cells_set_no_line()
    {
        var threshold = Assert.Single(Read(["CPU Usage", "> 60% sustained 10m", ""]));
        Assert.Equal(TimeSpan.FromMinutes(10), threshold.Sustained);
    }

    [Fact]
    public void Less_than_lines_read_days_for_the_certificate()
    {
        var thresholds = Read(["Certificate Expiry", "< 30 days", "< 7 days"]);
        Assert.All(thresholds, t => Assert.Equal(ThresholdComparison.LessThan, t.Comparison));
        Assert.Equal(7, thresholds.Single(t => t.Level == HealthStatus.Critical).Value);
    }

    [Theory]
    [InlineData("about 70", "cannot read 'about 70'")]
    [InlineData("> 500ms", "is in 'ms', but CPU Usage is measured in %")]
    [InlineData("> 70% sustained soon", "'soon' after 'sustained'")]
    public void An_unreadable_cell_names_the_file_line_and_cell(string cell, string expected)
    {
        var e = Assert.Throws<FrostException>(() => Read(["Memory Usage", "> 80%", "> 95%"], ["CPU Usage", cell, "> 90%"]));
        Assert.Equal(ErrorIds.ThresholdInvalid, e.ErrorId);
        Assert.StartsWith("monitoring.md:11: ", e.Message);
        Assert.Contains(expected.Replace("CPU Usage", "CPU Usage"), e.Message);
    }

    [Fact]
    public void An_unknown_metric_or_a_missing_column_is_an_error()
    {
        var unknown = Assert.Throws<FrostException>(() => Read(["Queue Depth", "> 10", "> 100"]));
        Assert.Contains("unknown metric 'Queue Depth'", unknown.Message);

        var missing = Assert.Throws<FrostException>(() =>
            ThresholdTable.FromTable(["Metric", "Warning"], [new TableRow(["CPU Usage", "> 70%"], 3)], "m.md", 1));
        Assert.Contains("m.md:1", missing.Message);
        Assert.Contains("no 'Critical' column", missing.Message);
    }

    [Fact]
    public void Built_in_defaults_equal_the_issue_table_and_a_manual_row_replaces_its_metric_only()
    {
        var defaults = DefaultThresholds.All();
        Assert.Equal(90, defaults.Single(t => t.Key == MetricKeys.Cpu && t.Level == HealthStatus.Critical).Value);
        Assert.Equal(1, defaults.Single(t => t.Key == MetricKeys.ErrorRate && t.Level == HealthStatus.Warning).Value);
        Assert.Equal(85, defaults.Single(t => t.Key == MetricKeys.Disk && t.Level == HealthStatus.Critical).Value);

        var merged = DefaultThresholds.Merge(Read(["Disk Usage", "> 50%", "> 60%"]));
        Assert.Equal(60, merged.Single(t => t.Key == MetricKeys.Disk && t.Level == HealthStatus.Critical).Value);
        Assert.Equal("built-in", merged.Single(t => t.Key == MetricKeys.Memory && t.Level == HealthStatus.Critical).Source);
        Assert.Equal(2, merged.Count(t => t.Key == MetricKeys.Disk));
    }
}
