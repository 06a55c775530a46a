using System.Buffers.Binary;
using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Tests.Backups.Wal;

public sealed class WalArchiveFolderTests
{
    private const long SegmentSize = 16 * 1024 * 1024;

    /// <summary>A segment file as PostgreSQL 15 writes it: the long page header at its start, zeros after (sparse).</summary>
    internal static string WriteSegment(string folder, string name, uint? headerTimeline = null, ushort magic = 0xD110, long? length = null, ulong? pageAddress = null)
    {
        var parsed = WalFileName.Parse(name)!;
        var path = Path.Combine(folder, name);
        using var stream = File.Create(path);
        var header = new byte[WalSegmentHeader.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(header, magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 0x0002);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), headerTimeline ?? parsed.Timeline);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), pageAddress ?? parsed.StartLsn(SegmentSize));
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(24), 7300000000000000001UL);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(32), (uint)SegmentSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(36), 8192);
        stream.Write(header);
        stream.SetLength(length ?? SegmentSize);
        return path;
    }

    [Theory]
    [InlineData("000000010000000000000001", WalFileKind.Segment, 1u, 1UL)]
    [InlineData("0000000200000003000000FF", WalFileKind.Segment, 2u, 3UL * 256 + 255)]
    [InlineData("000000010000000000000002.partial", WalFileKind.Partial, 1u, 2UL)]
    public void A_segment_name_gives_its_timeline_and_number(string name, WalFileKind kind, uint timeline, ulong number)
    {
        var parsed = WalFileName.Parse(name)!;
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(timeline, parsed.Timeline);
        Assert.Equal(number, parsed.SegmentNumber(SegmentSize));
        Assert.Equal(name[..24], WalFileName.Format(timeline, number, SegmentSize));
    }

    [Theory]
    [InlineData("00000001000000000000001")]
    [InlineData("00000001000000000000000g")]
    [InlineData("000000010000000000000001.gz")]
    [InlineData("000000010000000000000001.partial.tmp")]
    [InlineData("pgpass")]
    public void Anything_else_is_not_WAL(string name) => Assert.Null(WalFileName.Parse(name));

    [Fact]
    public void A_history_file_is_named_by_its_timeline()
    {
        var parsed = WalFileName.Parse("00000002.history")!;
        Assert.Equal(WalFileKind.History, parsed.Kind);
        Assert.Equal(2u, parsed.Timeline);
    }

    [Fact]
    public void Whole_segments_in_sequence_are_valid_and_have_no_gap()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        WriteSegment(folder.Path, "000000010000000000000004");
        WriteSegment(folder.Path, "000000010000000000000005.partial");
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.Empty(scan.Invalid);
        Assert.Empty(scan.Gaps);
        Assert.Equal(2, scan.Segments.Count());
        Assert.Equal("000000010000000000000005.partial", scan.Partial!.Name.Name);
    }

    [Fact]
    public void A_missing_segment_is_a_gap_named_by_its_range()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        WriteSegment(folder.Path, "000000010000000000000007");
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        var gap = Assert.Single(scan.Gaps);
        Assert.Equal("000000010000000000000004..000000010000000000000006", gap.Describe(SegmentSize));
        Assert.Contains(WalArchiveReader.FileProblems(scan), p => p.Contains("000000010000000000000004..000000010000000000000006", StringComparison.Ordinal));
    }

    [Fact]
    public void A_gap_across_the_log_boundary_counts_the_segments_between()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "0000000100000000000000FF");
        WriteSegment(folder.Path, "000000010000000100000000");
        Assert.Empty(WalArchiveFolder.Scan(folder.Path, SegmentSize).Gaps);
    }

    [Fact]
    public void A_timeline_switch_continues_the_sequence_and_needs_its_history_file()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        WriteSegment(folder.Path, "000000010000000000000004");
        // The new timeline's first segment starts as a copy of the old one's: its first page is of timeline 1.
        WriteSegment(folder.Path, "000000020000000000000004", headerTimeline: 1);
        WriteSegment(folder.Path, "000000020000000000000005");
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.Empty(scan.Gaps);
        Assert.Empty(scan.Invalid);
        Assert.Equal([1u, 2u], scan.Timelines);
        Assert.Equal([2u], scan.TimelinesWithoutHistory);
        File.WriteAllText(Path.Combine(folder.Path, "00000002.history"), "1\t0/4000100\tno recovery target specified\n");
        Assert.Empty(WalArchiveFolder.Scan(folder.Path, SegmentSize).TimelinesWithoutHistory);
    }

    [Fact]
    public void A_truncated_misnamed_or_foreign_segment_is_invalid_and_says_why()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003", length: 8192);
        WriteSegment(folder.Path, "000000010000000000000004", pageAddress: 0x9000000);
        WriteSegment(folder.Path, "000000010000000000000005", magic: 0x1234);
        WriteSegment(folder.Path, "000000010000000000000006", headerTimeline: 3);
        var problems = WalArchiveFolder.Scan(folder.Path, SegmentSize).Invalid.ToDictionary(f => f.Name.Name, f => f.Problem!);
        Assert.Contains("8192 bytes", problems["000000010000000000000003"], StringComparison.Ordinal);
        Assert.Contains("0/9000000", problems["000000010000000000000004"], StringComparison.Ordinal);
        Assert.Contains("magic 0x1234", problems["000000010000000000000005"], StringComparison.Ordinal);
        Assert.Contains("timeline 3", problems["000000010000000000000006"], StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_WAL_are_set_aside_not_judged()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        File.WriteAllText(Path.Combine(folder.Path, "notes.txt"), "x");
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.Equal(["notes.txt"], scan.Foreign);
        Assert.Single(scan.Files);
    }

    [Fact]
    public void A_missing_folder_is_an_empty_archive() =>
        Assert.Empty(WalArchiveFolder.Scan("/nonexistent/frostguard-wal", SegmentSize).Files);

    [Theory]
    [InlineData(0x16B374D848UL, "16/B374D848")]
    [InlineData(0x3000028UL, "0/3000028")]
    public void LSNs_are_written_as_PostgreSQL_writes_them(ulong lsn, string text)
    {
        Assert.Equal(text, Lsn.Format(lsn));
        Assert.Equal(lsn, Lsn.Parse(text));
    }

    [Fact]
    public void A_partial_segment_set_aside_is_no_whole_segment_and_leaves_a_gap()
    {
        using var folder = new TempFolder();
        var earlier = Directory.CreateDirectory(Path.Combine(folder.Path, "earlier-20261205T120000Z-abcd1234")).FullName;
        WriteSegment(earlier, "000000010000000000000003");
        WriteSegment(earlier, "000000010000000000000004.partial");
        WriteSegment(folder.Path, "000000010000000000000005");
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.Equal("000000010000000000000004", Assert.Single(scan.Gaps).Describe(SegmentSize));
    }

    [Fact]
    public void A_segment_of_another_cluster_is_invalid()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        Assert.Empty(WalArchiveFolder.Scan(folder.Path, SegmentSize, "7300000000000000001").Invalid);
        var other = Assert.Single(WalArchiveFolder.Scan(folder.Path, SegmentSize, "42").Invalid);
        Assert.Contains("system identifier 7300000000000000001", other.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_folder_holds_a_location_when_the_segment_before_it_is_there()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        WriteSegment(folder.Path, "000000010000000000000004.partial");
        var scan = WalArchiveFolder.Scan(folder.Path, SegmentSize);
        Assert.True(scan.Holds(0x4000100));
        Assert.True(scan.Holds(0x4000000)); // the end of segment 3
        Assert.False(scan.Holds(0x6000100));
    }

    [Fact]
    public void Setting_aside_moves_every_WAL_file_into_a_new_folder_that_the_scan_still_reads()
    {
        using var folder = new TempFolder();
        WriteSegment(folder.Path, "000000010000000000000003");
        WriteSegment(folder.Path, "000000010000000000000004.partial");
        var earlier = WalArchiveFolder.SetAside(folder.Path, DateTimeOffset.UtcNow);
        Assert.NotNull(earlier);
        Assert.Empty(Directory.EnumerateFiles(folder.Path));
        Assert.Equal(2, WalArchiveFolder.Scan(folder.Path, SegmentSize).Files.Count);
        Assert.Null(WalArchiveFolder.SetAside(folder.Path, DateTimeOffset.UtcNow));
    }
}
