using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.Physical;
using FrostGuard.Engine.Backups.Wal;
using static FrostGuard.Engine.Tests.Backups.Wal.WalArchiveFolderTests;

namespace FrostGuard.Engine.Tests.Backups.Wal;

/// <summary>
/// After a recovery to a point the archive holds two timelines side by side: the old one, which
/// went on past the point, and the new one from the point on. A recovery reads the new one's file
/// for every segment from the switch; the old one's copy of that number is another history.
/// </summary>
public sealed class TimelinePathTests
{
    private const long SegmentSize = 16 * 1024 * 1024;

    /// <summary>Timeline 1 in segments 3..8; timeline 2 switched from it in segment 5 and holds the given segments.</summary>
    private static TempFolder Archive(params int[] timeline2)
    {
        var folder = new TempFolder();
        for (var n = 3; n <= 8; n++)
        {
            WriteSegment(folder.Path, WalFileName.Format(1, (ulong)n, SegmentSize));
        }

        foreach (var n in timeline2)
        {
            WriteSegment(folder.Path, WalFileName.Format(2, (ulong)n, SegmentSize), headerTimeline: n == 5 ? 1u : null);
        }

        File.WriteAllText(Path.Combine(folder.Path, "00000002.history"), "1\t0/5000100\tbefore 2026-12-05 12:00:00+00\n");
        return folder;
    }

    [Fact]
    public void A_missing_file_of_the_new_timeline_is_a_gap_though_the_old_timeline_has_that_number()
    {
        using var folder = Archive(5, 7, 8, 9);
        var gap = Assert.Single(WalArchiveFolder.Scan(folder.Path, SegmentSize).Gaps);
        Assert.Equal("000000020000000000000006", gap.Describe(SegmentSize));
    }

    [Fact]
    public void The_old_timeline_past_the_switch_is_history_a_recovery_leaves_not_a_gap()
    {
        using var folder = Archive(5, 6, 7, 8, 9, 10);
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.Empty(scan.Gaps);
        Assert.Equal(1u, scan.RecoveryPath.TimelineFor(4));
        Assert.Equal(2u, scan.RecoveryPath.TimelineFor(5));
        Assert.Equal(2u, scan.RecoveryPath.TimelineFor(10));
    }

    [Fact]
    public void A_base_backup_reaches_only_as_far_as_the_new_timeline_goes_without_a_gap()
    {
        using var folder = Archive(5, 7, 8, 9);
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        var consistent = DateTimeOffset.UtcNow.AddDays(-1);
        var backup = new PhysicalBackupFacts("0/3000028", "0/3000100", 1, consistent, consistent, "7300000000000000001", SegmentSize, 1, "000000010000000000000003");
        var segment5 = scan.Files.Single(f => f.Name.Name == "000000020000000000000005");
        Assert.Equal(segment5.LastWrite, RecoverableRange.To(backup, scan));
        Assert.False(RecoveryPlanner.ReachesLsn(backup, scan, 0x7000100));
        Assert.True(RecoveryPlanner.ReachesLsn(backup, scan, 0x5000200));
    }

    [Fact]
    public void Without_the_new_timeline_s_history_any_timeline_s_file_counts_and_the_missing_history_is_named()
    {
        using var folder = Archive(5, 7);
        File.Delete(Path.Combine(folder.Path, "00000002.history"));
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.False(scan.RecoveryPath.Known);
        Assert.Empty(scan.Gaps);
        Assert.Equal([2u], scan.TimelinesWithoutHistory);
    }

    [Fact]
    public void A_path_of_three_timelines_reads_each_from_its_switch_on()
    {
        var path = TimelinePath.Of(3, [new TimelineSwitch(1, 0x5000100), new TimelineSwitch(2, 0x8000000)], SegmentSize);
        Assert.Equal([1u, 1u, 2u, 2u, 2u, 3u, 3u], new ulong[] { 0, 4, 5, 6, 7, 8, 20 }.Select(n => path.TimelineFor(n)!.Value));
    }

    [Theory]
    [InlineData("")]                                   // parses to nothing
    [InlineData("# no line PostgreSQL writes\n")]
    [InlineData("3\t0/5000100\tfrom a later timeline\n")] // an ancestor not below the timeline
    [InlineData("1\t0/8000000\tx\n1\t0/9000000\ty\n")]  // ancestors not increasing
    public void A_history_PostgreSQL_would_refuse_leaves_the_path_unknown(string history)
    {
        using var folder = Archive(5, 7);
        File.WriteAllText(Path.Combine(folder.Path, "00000002.history"), history);
        Assert.False(WalArchiveFolder.Scan(folder.Path, SegmentSize).RecoveryPath.Known);
    }

    [Fact]
    public void A_history_that_is_a_link_or_too_big_is_not_read()
    {
        using var folder = Archive(5, 7);
        var history = Path.Combine(folder.Path, "00000002.history");
        File.Delete(history);
        File.CreateSymbolicLink(history, "/dev/zero");
        Assert.False(WalArchiveFolder.Scan(folder.Path, SegmentSize).RecoveryPath.Known);
        File.Delete(history);
        File.WriteAllText(history, "1\t0/5000100\tx\n" + new string('#', TimelineHistory.MaxBytes));
        Assert.False(WalArchiveFolder.Scan(folder.Path, SegmentSize).RecoveryPath.Known);
    }

    [Fact]
    public void A_gap_across_a_switch_is_named_once_per_timeline()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        WriteSegment(folder.Path, "000000020000000000000009");
        File.WriteAllText(Path.Combine(folder.Path, "00000002.history"), "1\t0/6000100\tx\n");
        var gaps = WalArchiveFolder.Scan(folder.Path, SegmentSize).Gaps.Select(g => g.Describe(SegmentSize));
        Assert.Equal(["000000010000000000000004..000000010000000000000005", "000000020000000000000006..000000020000000000000008"], gaps);
    }

    [Fact]
    public void Of_two_copies_the_one_restore_command_takes_counts_and_a_damaged_one_is_no_segment()
    {
        using var folder = Archive(5, 6, 7);
        var earlier = Directory.CreateDirectory(Path.Combine(folder.Path, "earlier-20261205T120000Z-abcd1234")).FullName;
        File.Move(Path.Combine(folder.Path, "000000020000000000000006"), Path.Combine(earlier, "000000020000000000000006"));
        WriteSegment(folder.Path, "000000020000000000000006", length: 1000); // the folder's own copy is read first, and is damaged
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.Equal(folder.Path, Path.GetDirectoryName(scan.RecoveryPath.Held(scan.Files, SegmentSize, folder.Path, validOnly: false)[6].Path));
        Assert.False(scan.ValidOnPath(SegmentSize).ContainsKey(6));
    }

    [Fact]
    public void A_base_backup_on_a_branch_a_recovery_abandoned_reaches_its_own_end_only()
    {
        using var folder = Archive(5, 6, 7, 8, 9);
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        var end = DateTimeOffset.UtcNow.AddDays(-1);
        // Taken on timeline 1 in segment 6, after timeline 2 branched off in segment 5.
        var abandoned = new PhysicalBackupFacts("0/6000028", "0/6000100", 1, end, end, "7300000000000000001", SegmentSize, 1, "000000010000000000000006");
        Assert.Equal(end, RecoverableRange.To(abandoned, scan));
        Assert.False(scan.RecoveryPath.Holds(1, 0x6000100));
        Assert.True(scan.RecoveryPath.Holds(1, 0x5000100));
    }

    [Fact]
    public void A_base_backup_on_a_timeline_newer_than_the_archive_s_is_on_the_path()
    {
        using var empty = new TempFolder();
        Assert.True(WalArchiveFolder.Scan(empty.Path, SegmentSize).RecoveryPath.Holds(7, 0x9000000), "an empty archive has left nothing behind");
        using var folder = Archive(5, 6);
        Assert.True(WalArchiveFolder.Scan(folder.Path, SegmentSize).RecoveryPath.Holds(3, 0x9000000), "timeline 3 began after everything archived");
    }
}
