using System.Buffers.Binary;

namespace FrostGuard.Engine.Backups.Wal;

/// <summary>
/// The long page header every WAL segment starts with (XLogLongPageHeaderData): the magic of the
/// server's WAL format, the timeline, the address of the page, the cluster's system identifier
/// and the segment size. Enough to tell a segment from a truncated, misnamed or foreign file
/// without parsing its records.
/// </summary>
public sealed record WalSegmentHeader(ushort Magic, ushort Info, uint Timeline, ulong PageAddress, ulong SystemIdentifier, uint SegmentSize, uint BlockSize)
{
    public const int Length = 40;
    private const ushort LongHeaderFlag = 0x0002;

    /// <summary>XLOG_PAGE_MAGIC of the PostgreSQL majors FrostGuard knows.</summary>
    public static readonly IReadOnlyDictionary<ushort, int> KnownMagic = new Dictionary<ushort, int>
    {
        [0xD10D] = 14,
        [0xD110] = 15,
        [0xD113] = 16,
        [0xD116] = 17,
    };

    public bool IsLong => (Info & LongHeaderFlag) != 0;

    public static WalSegmentHeader Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[32..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[36..]));

    /// <summary>Why this header does not belong at the start of <paramref name="name"/>; null when it does.</summary>
    /// <remarks>
    /// The first segment of a new timeline starts as a copy of the old timeline's segment, so its
    /// first page may carry the older timeline: a header timeline above the name's is the error.
    /// </remarks>
    public string? Problem(WalFileName name, long segmentSize)
    {
        if (!KnownMagic.ContainsKey(Magic))
        {
            return $"its first page has magic 0x{Magic:X4}, which is no WAL format of PostgreSQL 14 to 17";
        }

        if (!IsLong)
        {
            return "its first page has no long header: it is not the start of a segment";
        }

        if (SegmentSize != segmentSize)
        {
            return $"its header says segments of {SegmentSize} bytes, the archive's are {segmentSize}";
        }

        if (PageAddress != name.StartLsn(segmentSize))
        {
            return $"its first page is at {Lsn.Format(PageAddress)}, not at {Lsn.Format(name.StartLsn(segmentSize))} as its name says";
        }

        return Timeline > name.Timeline ? $"its first page is of timeline {Timeline}, after the name's {name.Timeline}" : null;
    }
}
