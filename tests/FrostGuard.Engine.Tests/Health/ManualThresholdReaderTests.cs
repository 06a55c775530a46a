using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class ManualThresholdReaderTests
{
    [Fact]
    public void The_shipped_manual_reads_as_the_built_in_defaults()
    {
        var manual = Path.Combine(RepositoryPaths.Root, "runbooks", "monitoring.md");
        var read = ManualThresholdReader.Read(manual);

        var builtIn = DefaultThresholds.All().Where(t => read.Any(r => r.Key == t.Key)).ToList();
        Assert.Equal(10, read.Count);
        Assert.Equal(builtIn.Select(t => (t.Key, t.Level, t.Comparison, t.Value, t.Unit, t.Sustained)),
            read.Select(t => (t.Key, t.Level, t.Comparison, t.Value, t.Unit, t.Sustained)));
        Assert.All(read, t => Assert.Matches(@"monitoring\.md:\d+$", t.Source));
    }

    [Fact]
    public void Rows_carry_their_line_in_the_file_and_a_bad_cell_names_it()
    {
        using var folder = new TempFolder();
        var file = folder.Write("monitoring.md", "# Monitoring\n\nSome text.\n\n| Metric | Warning | Critical |\n|---|---|---|\n| Disk Usage | > 60% | > 80% |\n| API Error Rate | > one% | > 5% |\n");

        var e = Assert.Throws<FrostException>(() => ManualThresholdReader.Read(file));
        Assert.Equal(ErrorIds.ThresholdInvalid, e.ErrorId);
        Assert.StartsWith($"{file}:8: ", e.Message);

        File.WriteAllText(file, "| Metric | Warning | Critical |\n|---|---|---|\n\n| Disk Usage | > 60% | > 80% |\n");
        File.WriteAllText(file, "intro\n\n| Metric | Warning | Critical |\n|---|---|---|\n| Disk Usage | > 60% | > 80% |\n");
        Assert.Equal($"{file}:5", ManualThresholdReader.Read(file)[0].Source);
    }

    [Fact]
    public void A_file_without_a_thresholds_table_is_ThresholdTableNotFound()
    {
        using var folder = new TempFolder();
        var file = folder.Write("monitoring.md", "| A | B |\n|---|---|\n| 1 | 2 |\n");
        Assert.Equal(ErrorIds.ThresholdTableNotFound, Assert.Throws<FrostException>(() => ManualThresholdReader.Read(file)).ErrorId);
        Assert.Equal(file, ManualThresholdReader.Locate(folder.Path));
    }
}
