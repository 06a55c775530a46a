using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class ThresholdSetTests
{
    private static readonly ThresholdSet Defaults = new(DefaultThresholds.All());

    [Theory]
    [InlineData(MetricKeys.ErrorRate, 0.5, HealthStatus.Ok)]
    [InlineData(MetricKeys.ErrorRate, 1.0, HealthStatus.Ok)] // "> 1%": exactly 1% is not above it
    [InlineData(MetricKeys.ErrorRate, 1.01, HealthStatus.Warning)]
    [InlineData(MetricKeys.ErrorRate, 9.5, HealthStatus.Critical)]
    [InlineData(MetricKeys.ResponseTimeP95, 975, HealthStatus.Warning)]
    [InlineData(MetricKeys.ResponseTimeP95, 2001, HealthStatus.Critical)]
    [InlineData(MetricKeys.CertificateExpiry, 89, HealthStatus.Ok)]
    [InlineData(MetricKeys.CertificateExpiry, 20, HealthStatus.Warning)]
    [InlineData(MetricKeys.CertificateExpiry, 3, HealthStatus.Critical)]
    public void Values_are_judged_against_the_worst_line_they_cross(string key, double observed, HealthStatus expected) =>
        Assert.Equal(expected, Defaults.Judge(key, observed).Status);

    [Fact]
    public void A_sustained_line_counts_only_when_the_window_held()
    {
        var notYet = Defaults.Judge(MetricKeys.Cpu, 75, _ => false);
        Assert.Equal(HealthStatus.Ok, notYet.Status);
        Assert.Contains("not yet sustained", notYet.Note);

        Assert.Equal(HealthStatus.Warning, Defaults.Judge(MetricKeys.Cpu, 75, _ => true).Status);
        Assert.Equal(HealthStatus.Critical, Defaults.Judge(MetricKeys.Cpu, 95, _ => false).Status);
    }

    [Fact]
    public void A_metric_without_lines_is_unknown_with_the_reason()
    {
        var verdict = new ThresholdSet([]).Judge(MetricKeys.Disk, 50);
        Assert.Equal(HealthStatus.Unknown, verdict.Status);
        Assert.Contains("no threshold", verdict.Note);
    }

    [Fact]
    public void Sample_history_holds_a_sustained_line_only_with_earlier_samples_all_across_it()
    {
        using var folder = new TempFolder();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T21:00:00Z"));
        var line = DefaultThresholds.All().Single(t => t.Key == MetricKeys.Cpu && t.Level == HealthStatus.Warning);

        var first = new SampleHistory(folder.Path, "cpu.json", clock);
        Assert.False(first.Held("host", line, clock.GetUtcNow()));
        first.Record([("host", 80.0)], clock.GetUtcNow());

        clock.Advance(TimeSpan.FromMinutes(1));
        var second = new SampleHistory(folder.Path, "cpu.json", clock);
        Assert.True(second.Held("host", line, clock.GetUtcNow()));
        second.Record([("host", 50.0)], clock.GetUtcNow());

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(new SampleHistory(folder.Path, "cpu.json", clock).Held("host", line, clock.GetUtcNow()));

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False(new SampleHistory(folder.Path, "cpu.json", clock).Held("host", line, clock.GetUtcNow()));
    }
}
