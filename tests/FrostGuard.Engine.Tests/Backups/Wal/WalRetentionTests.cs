using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Tests.Backups.Wal;

/// <summary>WAL retention through the backup root's catalog: only the clusters the operator agreed to lose WAL.</summary>
public sealed class WalRetentionTests
{
    private const long SegmentSize = 16 * 1024 * 1024;

    private static string Cluster(TempFolder root, string project)
    {
        var id = $"cluster-{project}-20261201T000000Z";
        var manifest = new BackupManifest
        {
            Id = id, Database = "cluster:" + project, Created = DateTimeOffset.UtcNow.AddHours(-1), File = BackupManifest.BaseArchiveName(id), Sha256 = "00",
            ServerVersion = "150000", PgDumpVersion = "15", Format = FrostBackupFormat.Physical, Verified = true,
            Physical = new PhysicalBackupFacts("0/4000028", "0/4000100", 1, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(-1),
                "7300000000000000001", SegmentSize, 1, "000000010000000000000004"),
        };
        manifest.Write(BackupManifest.PathFor(root.Path, id));
        File.WriteAllText(Path.Combine(root.Path, manifest.File), "base of " + project);
        var folder = Directory.CreateDirectory(WalArchiveFolder.PathFor(root.Path, project)).FullName;
        foreach (var segment in new[] { "000000010000000000000002", "000000010000000000000003", "000000010000000000000004" })
        {
            WalArchiveFolderTests.WriteSegment(folder, segment);
        }

        return folder;
    }

    [Fact]
    public void Only_the_agreed_clusters_lose_WAL_the_others_keep_every_file()
    {
        using var root = new TempFolder();
        var agreed = Cluster(root, "a");
        var declined = Cluster(root, "b");
        var runner = new RetentionRunner(root.Path);
        var reporter = new RecordingReporter();

        Assert.Equal([agreed, declined], runner.PlanWal(7, 4, 6, reporter).Where(p => p.Expired.Count == 2).Select(p => p.Folder).Order(StringComparer.Ordinal));
        Assert.Equal(2, runner.PruneWal(7, 4, 6, new HashSet<string>([agreed]), reporter));

        Assert.Equal(["000000010000000000000004"], Directory.EnumerateFiles(agreed).Select(Path.GetFileName));
        Assert.Equal(3, Directory.EnumerateFiles(declined).Count());
    }
}
