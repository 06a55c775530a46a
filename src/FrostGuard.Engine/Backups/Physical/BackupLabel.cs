using System.Globalization;
using System.Text.Json;
using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>
/// What pg_basebackup wrote about the copy: backup_label (start location and segment, start time,
/// timeline) and backup_manifest's WAL range (the end location from which the copy is consistent).
/// </summary>
public sealed record BackupLabel(ulong StartLsn, string StartSegment, uint Timeline, DateTimeOffset? StartTime, ulong EndLsn)
{
    public static BackupLabel Read(string dataFolder)
    {
        var label = File.ReadAllLines(Path.Combine(dataFolder, "backup_label"));
        string Field(string name) => label.FirstOrDefault(l => l.StartsWith(name + ": ", StringComparison.Ordinal))?[(name.Length + 2)..]
            ?? throw new InvalidDataException($"backup_label in {dataFolder} has no '{name}' line");

        // START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
        var start = Field("START WAL LOCATION");
        var open = start.IndexOf(" (file ", StringComparison.Ordinal);
        var startLsn = Lsn.Parse(start[..open]);
        var segment = start[(open + 7)..].TrimEnd(')');
        // START TIME: 2026-12-05 12:00:00 UTC
        // START TIME is written in the server's log_timezone: read as UTC when it says so, else unknown (the host's clock times the backup).
        var time = DateTimeOffset.TryParseExact(Field("START TIME").Replace(" UTC", " +00:00", StringComparison.Ordinal), "yyyy-MM-dd HH:mm:ss zzz",
            CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : (DateTimeOffset?)null;
        var timeline = uint.Parse(Field("START TIMELINE"), CultureInfo.InvariantCulture);

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dataFolder, "backup_manifest")));
        var ranges = manifest.RootElement.GetProperty("WAL-Ranges");
        var end = ranges.EnumerateArray().Select(r => Lsn.Parse(r.GetProperty("End-LSN").GetString()!)).Max();
        return new BackupLabel(startLsn, segment, timeline, time, end);
    }
}
