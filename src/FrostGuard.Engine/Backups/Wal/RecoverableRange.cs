namespace FrostGuard.Engine.Backups.Wal;

/// <summary>
/// How far a base backup can be recovered with the WAL archive: from the moment its copy is
/// consistent to the newest WAL archived without a gap since its start segment, along the path a
/// recovery to the newest timeline reads (the .partial segment pg_receivewal is writing counts;
/// its write time moves while it streams). A base backup is consistent on its own (its WAL was
/// streamed alongside), so it reaches at least its end.
/// </summary>
public static class RecoverableRange
{
    public static DateTimeOffset To(PhysicalBackupFacts backup, WalArchiveScan scan)
    {
        var start = WalFileName.Parse(backup.StartSegment)!.SegmentNumber(backup.WalSegmentSize);
        var held = scan.ValidOnPath(backup.WalSegmentSize);
        // A base backup on a branch a recovery abandoned reaches its own end only.
        if (!held.ContainsKey(start) || !scan.RecoveryPath.Holds(backup.Timeline, Lsn.Parse(backup.EndLsn)))
        {
            return backup.EndTime;
        }

        var last = start;
        while (held.ContainsKey(last + 1))
        {
            last++;
        }

        return held[last].LastWrite > backup.EndTime ? held[last].LastWrite : backup.EndTime;
    }

    /// <summary>The project of a base backup's group name ("cluster:&lt;project&gt;"), or null for a logical backup's database.</summary>
    public static string? ProjectOf(string database) =>
        database.StartsWith("cluster:", StringComparison.Ordinal) ? database["cluster:".Length..] : null;
}
