using System.Globalization;

namespace FrostGuard.Engine.Backups.Wal;

/// <summary>What a file in a WAL archive is, by its name alone.</summary>
public enum WalFileKind
{
    Segment,
    /// <summary>The segment pg_receivewal is still writing (name.partial).</summary>
    Partial,
    /// <summary>A timeline history file (TTTTTTTT.history), written at each promotion.</summary>
    History,
}

/// <summary>
/// A WAL file name: TTTTTTTT (timeline) LLLLLLLL SSSSSSSS (segment), 24 hex digits, with
/// ".partial" while pg_receivewal writes it; or TTTTTTTT.history. Anything else is not WAL.
/// </summary>
public sealed record WalFileName(string Name, WalFileKind Kind, uint Timeline, uint Log, uint Segment)
{
    /// <summary>The segment's number counted from the start of WAL, given the segment size.</summary>
    public ulong SegmentNumber(long segmentSize) => ((ulong)Log * SegmentsPerLog(segmentSize)) + Segment;

    /// <summary>The LSN at which the segment starts.</summary>
    public ulong StartLsn(long segmentSize) => SegmentNumber(segmentSize) * (ulong)segmentSize;

    public static ulong SegmentsPerLog(long segmentSize) => 0x1_0000_0000UL / (ulong)segmentSize;

    public static string Format(uint timeline, ulong segmentNumber, long segmentSize) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{timeline:X8}{segmentNumber / SegmentsPerLog(segmentSize):X8}{segmentNumber % SegmentsPerLog(segmentSize):X8}");

    public static WalFileName? Parse(string? name)
    {
        if (name is null)
        {
            return null;
        }

        if (name.Length == 16 && name.EndsWith(".history", StringComparison.Ordinal) && IsHex(name.AsSpan(0, 8)))
        {
            return new WalFileName(name, WalFileKind.History, Hex(name, 0), 0, 0);
        }

        var kind = name.Length == 32 && name.EndsWith(".partial", StringComparison.Ordinal) ? WalFileKind.Partial
            : name.Length == 24 ? WalFileKind.Segment
            : (WalFileKind?)null;
        if (kind is null || !IsHex(name.AsSpan(0, 24)))
        {
            return null;
        }

        return new WalFileName(name, kind.Value, Hex(name, 0), Hex(name, 8), Hex(name, 16));
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitUpper(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static uint Hex(string name, int start) => uint.Parse(name.AsSpan(start, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
