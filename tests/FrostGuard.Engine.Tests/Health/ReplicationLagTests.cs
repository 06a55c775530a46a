using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class ReplicationLagTests
{
    private static IReadOnlyList<FrostHealthResult> Judge(IReadOnlyList<FrostThreshold> thresholds, params ReplicaState[] replicas)
    {
        using var folder = new TempFolder();
        var config = new FrostConfig
        {
            Project = new ProjectSection { Name = "p", Directory = folder.Path },
            Database = new DatabaseSection { Name = "d", User = "u", Password = new PasswordSource { EnvFileKey = "K" } },
        };
        var context = new HealthContext(config, new ThresholdSet(thresholds), folder.Path, NullReporter.Instance);
        return ReplicationLag.Judge(context, DatabaseCheck.CheckName, replicas, context.Clock.GetTimestamp());
    }

    private static ReplicaState Streaming(double? lagSeconds, double bytes = 0) => new("standby-1", "127.0.0.1", "streaming", lagSeconds, bytes);

    [Theory]
    [InlineData(null, HealthStatus.Ok)] // replay_lag NULL: the standby has replayed everything
    [InlineData(0.002, HealthStatus.Ok)]
    [InlineData(30.0, HealthStatus.Ok)] // "> 30s": exactly 30 s is not above it
    [InlineData(30.5, HealthStatus.Warning)]
    [InlineData(301.0, HealthStatus.Critical)]
    public void A_streaming_standby_is_judged_by_its_replay_lag_against_the_built_in_lines(double? lag, HealthStatus expected)
    {
        var result = Assert.Single(Judge(DefaultThresholds.All(), Streaming(lag, 8192)));
        Assert.Equal(expected, result.Status);
        Assert.Equal("replica:standby-1@127.0.0.1", result.Target);
        Assert.Equal(lag ?? 0, result.Observed);
        Assert.Equal("s", result.Unit);
        Assert.Contains("8 KiB behind", result.Message);
        Assert.Equal("Warning > 30 s; Critical > 300 s", result.Threshold);
    }

    [Fact]
    public void A_manual_row_replaces_the_built_in_replication_lines()
    {
        var manual = ThresholdTable.FromTable(["Metric", "Warning", "Critical"], [new TableRow(["Replication Lag", "> 1s", "> 5s"], 12)], "monitoring.md", 10);
        var merged = DefaultThresholds.Merge(manual);
        Assert.Equal(2, merged.Count(t => t.Key == MetricKeys.ReplicationLag));
        Assert.Equal(HealthStatus.Warning, Judge(merged, Streaming(2)).Single().Status);
        var critical = Judge(merged, Streaming(6)).Single();
        Assert.Equal(HealthStatus.Critical, critical.Status);
        Assert.Contains("monitoring.md:12", critical.Message);
    }

    [Fact]
    public void A_standby_that_is_not_streaming_is_a_warning_and_an_unused_slot_is_critical()
    {
        var results = Judge(DefaultThresholds.All(),
            new ReplicaState("standby-2", "127.0.0.1", "catchup", null, 3 * 1048576.0),
            new ReplicaState(null, null, null, null, 2048, Slot: "gone_standby"));
        Assert.Equal(HealthStatus.Warning, results[0].Status);
        Assert.Contains("'catchup'", results[0].Message);
        Assert.Contains("3 MiB still to replay", results[0].Message);
        Assert.Equal(HealthStatus.Critical, results[1].Status);
        Assert.Equal("replica-slot:gone_standby", results[1].Target);
        Assert.Contains("pg_drop_replication_slot('gone_standby')", results[1].Message);
    }

    [Fact]
    public void No_standby_and_no_slot_gives_no_replication_result() =>
        Assert.Empty(Judge(DefaultThresholds.All()));

    [Fact]
    public void A_standby_whose_state_the_user_may_not_read_is_unknown_naming_pg_monitor()
    {
        var result = Judge(DefaultThresholds.All(), new ReplicaState("standby-1", null, null, null, null)).Single();
        Assert.Equal(HealthStatus.Unknown, result.Status);
        Assert.Contains("pg_monitor", result.Message);
    }

    [Theory]
    [InlineData("Replication Lag")]
    [InlineData("Replica lag")]
    public void The_manual_may_name_the_metric_replication_lag(string name) =>
        Assert.Equal(MetricKeys.ReplicationLag, MetricKeys.FromName(name));

    [Theory]
    [InlineData("WAL Archive Lag")]
    [InlineData("Archiving lag")]
    public void The_archive_lag_is_not_the_replication_lag(string name) =>
        Assert.Equal(MetricKeys.WalArchiveLag, MetricKeys.FromName(name));

    [Fact]
    public void The_built_in_archive_lag_lines_warn_after_a_minute()
    {
        var lines = DefaultThresholds.All().Where(t => t.Key == MetricKeys.WalArchiveLag).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains(lines, l => l.Level == HealthStatus.Warning && l.Value == 60);
    }
}
