using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.Health;

public sealed class RecoveryObjectivesTests
{
    [Fact]
    public void Reads_the_repository_manual_s_objectives_table()
    {
        var manual = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "runbooks", RecoveryObjectives.FileName);
        var objectives = RecoveryObjectives.Parse(File.ReadAllText(manual), manual);
        Assert.Equal(["rpo", "rpo-archive", "database-restore", "full-recovery", "rollback"], objectives.Select(o => o.Id));
        Assert.Equal([TimeSpan.FromHours(24), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(10)], objectives.Select(o => o.Limit));
        Assert.Equal("15–30 min", objectives[2].Target);
    }

    [Theory]
    [InlineData("24 h", 24 * 3600)]
    [InlineData("15–30 min", 30 * 60)]
    [InlineData("5-10 min", 10 * 60)]
    [InlineData("90 s", 90)]
    public void A_target_s_limit_is_its_upper_bound(string target, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RecoveryObjectives.Limit(target, "x", "manual.md"));

    [Fact]
    public void A_target_that_is_not_a_duration_is_RecoveryObjectivesInvalid_naming_the_objective()
    {
        var e = Assert.Throws<FrostException>(() => RecoveryObjectives.Parse("| Id | Objective | Target |\n|--|--|--|\n| `rpo` | RPO | soon |\n", "manual.md"));
        Assert.Equal(ErrorIds.RecoveryObjectivesInvalid, e.ErrorId);
        Assert.Contains("'rpo'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, FrostObjectiveStatus.Unknown)]
    [InlineData(29.0, FrostObjectiveStatus.Met)]
    [InlineData(30.0, FrostObjectiveStatus.Met)]
    [InlineData(31.0, FrostObjectiveStatus.Missed)]
    public void Status_is_Unknown_without_a_measurement_and_Met_within_the_limit(double? minutes, FrostObjectiveStatus expected) =>
        Assert.Equal(expected, RecoveryStatusReader.Status(minutes is { } m ? TimeSpan.FromMinutes(m) : null, TimeSpan.FromMinutes(30)));

    [Fact]
    public void Measurements_are_recorded_and_read_back()
    {
        using var folder = new TempFolder();
        var measurements = new RecoveryMeasurements(folder.Path);
        Assert.Empty(measurements.Read());
        measurements.Record("database-restore", TimeSpan.FromSeconds(12.5), "test");
        measurements.Record("rollback", TimeSpan.FromMinutes(3), "test");
        var read = measurements.Read();
        Assert.Equal(12.5, read["database-restore"].Seconds);
        Assert.Equal(180, read["rollback"].Seconds);
    }
}
