using System.Globalization;

namespace FrostGuard.Engine.Backups.Wal;

/// <summary>A WAL location as PostgreSQL writes it: two hex halves, "16/B374D848".</summary>
public static class Lsn
{
    public static string Format(ulong lsn) => string.Create(CultureInfo.InvariantCulture, $"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}");

    public static ulong Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !uint.TryParse(text.AsSpan(0, slash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var high)
            || !uint.TryParse(text.AsSpan(slash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var low))
        {
            throw new FormatException($"'{text}' is not a WAL location (like 16/B374D848).");
        }

        return ((ulong)high << 32) | low;
    }
}
