using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Tests.Backups.Wal;

public sealed class WalPrunerTests
{
    private const long SegmentSize = 16 * 1024 * 1024;

    private static BackupManifest Base(string id, string startSegment, uint timeline = 1) => new()
    {
        Id = id, Database = "cluster:p", File = id + ".base.tar.zst", Sha256 = "x", ServerVersion = "150000", PgDumpVersion = "15",
        Format = FrostBackupFormat.Physical,
        Physical = new PhysicalBackupFacts("0/1", "0/2", timeline, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "7300000000000000001", SegmentSize, 1, startSegment),
    };

    private static (string Folder, string Earlier) Archive(TempFolder root)
    {
        var folder = Directory.CreateDirectory(WalArchiveFolder.PathFor(root.Path, "p")).FullName;
        var earlier = Directory.CreateDirectory(Path.Combine(folder, "earlier-20261201T000000Z-aaaaaaaa")).FullName;
        return (folder, earlier);
    }

    [Fact]
    public void WAL_before_the_oldest_kept_base_backup_goes_history_files_partial_and_later_timelines_stay()
    {
        using var root = new TempFolder();
        var (folder, earlier) = Archive(root);
        WalArchiveFolderTests.WriteSegment(earlier, "000000010000000000000002");
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000003");
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000004");
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000005");
        WalArchiveFolderTests.WriteSegment(folder, "000000020000000000000003", headerTimeline: 1); // a recovery's branch from segment 3
        File.WriteAllText(Path.Combine(folder, "00000002.history"), "1\t0/3000100\tbranch\n");
        WalArchiveFolderTests.WriteSegment(folder, "000000020000000000000006.partial");

        var plan = Assert.Single(WalPruner.Plan(root.Path, [Base("newer", "000000010000000000000005"), Base("older", "000000010000000000000004")]));
        Assert.Equal("000000010000000000000004", plan.KeptFrom);
        Assert.Equal(["000000010000000000000002", "000000010000000000000003"], plan.Expired.Select(e => e.Name.Name).Order());
        Assert.Equal(2, WalPruner.Remove(plan));
        Assert.False(Directory.Exists(earlier));
        Assert.Equal(["000000010000000000000004", "000000010000000000000005", "00000002.history", "000000020000000000000003", "000000020000000000000006.partial"],
            Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_a_kept_base_backup_nothing_is_pruned()
    {
        using var root = new TempFolder();
        var (folder, _) = Archive(root);
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000003");
        Assert.Empty(WalPruner.Plan(root.Path, []));
    }

    [Fact]
    public void A_manifest_whose_start_the_archive_does_not_hold_prunes_nothing()
    {
        using var root = new TempFolder();
        var (folder, _) = Archive(root);
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000003");
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000004");
        Assert.Empty(WalPruner.Plan(root.Path, [Base("hostile", "0000000100000000000000F0")]));
    }

    [Fact]
    public void Segments_of_another_cluster_are_never_pruned()
    {
        using var root = new TempFolder();
        var (folder, _) = Archive(root);
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000003");
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000004");
        var other = Base("other", "000000010000000000000004") with { };
        var facts = other.Physical! with { SystemIdentifier = "42" };
        Assert.Empty(WalPruner.Plan(root.Path, [other with { Physical = facts }]));
    }

    [Fact]
    public void An_empty_earlier_folder_the_removal_did_not_empty_stays_it_may_be_one_being_filled()
    {
        using var root = new TempFolder();
        var (folder, earlier) = Archive(root);
        WalArchiveFolderTests.WriteSegment(earlier, "000000010000000000000002");
        WalArchiveFolderTests.WriteSegment(folder, "000000010000000000000003");
        var plan = Assert.Single(WalPruner.Plan(root.Path, [Base("b", "000000010000000000000003")]));
        // Enable-FrostWalArchive sets the folder's files aside at this moment: it has made its folder, and moves files next.
        var beingFilled = Directory.CreateDirectory(Path.Combine(folder, "earlier-20261205T120000Z-bbbbbbbb")).FullName;
        Assert.Equal(1, WalPruner.Remove(plan));
        Assert.False(Directory.Exists(earlier), "the folder the removal emptied goes");
        Assert.True(Directory.Exists(beingFilled), "a folder it did not empty stays");
    }
}
