using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>What a recovery will use: the base backup, the WAL it replays, and how far the archive reaches.</summary>
public sealed record RecoveryPlan(CatalogEntry Base, RecoveryTarget Target, WalArchiveScan Scan, DateTimeOffset ReachesTo, RestorePoint? Point)
{
    public PhysicalBackupFacts Facts => Base.Manifest.Physical!;

    public string Describe() =>
        $"base backup {Base.Manifest.Id} (consistent from {Facts.EndTime:u}, WAL from {Facts.StartSegment}), then the archived WAL in {Scan.Folder} up to {Target} (the archive reaches {ReachesTo:u})";
}

/// <summary>
/// Picks the base backup for a target: the newest verified one of the cluster that ends before
/// the target and from whose start the archive holds WAL without a gap up to the target. A target
/// no base backup and archive reach is refused here, before anything stops.
/// </summary>
public static class RecoveryPlanner
{
    /// <param name="systemIdentifier">The live cluster's system identifier, when it answers: base backups of another cluster are never used.</param>
    public static RecoveryPlan Plan(IReadOnlyList<CatalogEntry> catalog, string cluster, WalArchiveScan scan, RecoveryTarget target, IReadOnlyList<RestorePoint> points, string? systemIdentifier = null)
    {
        var all = catalog.Where(e => e.Manifest.Physical is not null && e.Manifest.Database == cluster && e.Manifest.Verified).ToList();
        if (all.Count == 0)
        {
            throw Unreachable($"There is no verified base backup of {cluster} in {Path.GetDirectoryName(Path.GetDirectoryName(scan.Folder))}.",
                "Take one with Invoke-FrostBackup -Physical (and keep the WAL archive on: Enable-FrostWalArchive).");
        }

        // Only base backups of this cluster, on the history of the archive's newest timeline (a base
        // backup taken on a branch a recovery abandoned cannot follow recovery_target_timeline = latest).
        var newest = scan.RecoveryPath.Newest;
        var bases = all
            .Where(e => systemIdentifier is null || e.Manifest.Physical!.SystemIdentifier == systemIdentifier)
            .Where(e => scan.RecoveryPath.Holds(e.Manifest.Physical!.Timeline, Lsn.Parse(e.Manifest.Physical.EndLsn)))
            .OrderByDescending(e => e.Manifest.Physical!.EndTime).ToList();
        if (bases.Count == 0)
        {
            throw Unreachable($"None of the {all.Count} base backup(s) of {cluster} can recover the cluster as it is now: they belong to another cluster (system identifier) or to a timeline a recovery abandoned (timeline {newest} is the newest).",
                "Take a new base backup with Invoke-FrostBackup -Physical.");
        }

        switch (target.Kind)
        {
            case RecoveryTargetKind.Latest:
            {
                // PostgreSQL promotes at the first missing segment without saying so: a gap after the base backup is refused here.
                var latest = bases[0];
                var facts = latest.Manifest.Physical!;
                var reach = RecoverableRange.To(facts, scan);
                var start = WalFileName.Parse(facts.StartSegment)!.SegmentNumber(facts.WalSegmentSize);
                var gap = scan.Gaps.FirstOrDefault(g => g.LastMissing >= start);
                if (gap is not null)
                {
                    throw Unreachable($"The archive has a gap after base backup {latest.Manifest.Id} ({gap.Describe(facts.WalSegmentSize)} missing): recovery to the latest would stop there, at {reach:u}, without saying so.",
                        $"Recover to a time up to {reach:u} with -PointInTime, or take a new base backup (Invoke-FrostBackup -Physical) to recover from after the gap.");
                }

                return new RecoveryPlan(latest, target, scan, reach, null);
            }

            case RecoveryTargetKind.Time:
            {
                var time = target.Time!.Value;
                var before = bases.Where(b => b.Manifest.Physical!.EndTime <= time).ToList();
                if (before.Count == 0)
                {
                    var oldest = bases[^1].Manifest.Physical!.EndTime;
                    throw Unreachable($"No base backup of {cluster} is consistent by {time:u}: the oldest becomes consistent at {oldest:u}.",
                        $"Choose a target after {oldest:u}, or restore a logical backup taken before it (Get-FrostBackup | Where-Object Type -eq Logical).");
                }

                foreach (var candidate in before)
                {
                    var reach = RecoverableRange.To(candidate.Manifest.Physical!, scan);
                    if (reach >= time)
                    {
                        return new RecoveryPlan(candidate, target, scan, reach, null);
                    }
                }

                var best = RecoverableRange.To(before[0].Manifest.Physical!, scan);
                throw Unreachable($"{time:u} is beyond the archived WAL: from base backup {before[0].Manifest.Id} the archive in {scan.Folder} reaches {best:u} without a gap.",
                    $"Choose a target up to {best:u}, or -Latest; Get-FrostWalArchive shows the archive's gaps and how far behind it is.");
            }

            default:
            {
                var point = points.LastOrDefault(p => p.Name == target.Name)
                    ?? throw Unreachable($"There is no restore point '{target.Name}' recorded for {cluster}.",
                        "Restore points are made with Invoke-FrostBackup -RestorePoint <name>; pick one of those, or a time (-PointInTime).");
                var lsn = Lsn.Parse(point.Lsn);
                foreach (var candidate in bases.Where(b => Lsn.Parse(b.Manifest.Physical!.EndLsn) <= lsn))
                {
                    var facts = candidate.Manifest.Physical!;
                    if (ReachesLsn(facts, scan, lsn))
                    {
                        return new RecoveryPlan(candidate, target, scan, RecoverableRange.To(facts, scan), point);
                    }
                }

                throw Unreachable($"Restore point '{point.Name}' ({point.Lsn}, {point.Time:u}) is beyond what a base backup and the archive in {scan.Folder} reach without a gap.",
                    "Get-FrostWalArchive shows the archive's gaps; Get-FrostBackup the base backups and how far each reaches.");
            }
        }
    }

    /// <summary>The archive holds every segment on the recovery path from the base backup's start to the one holding <paramref name="lsn"/>.</summary>
    public static bool ReachesLsn(PhysicalBackupFacts facts, WalArchiveScan scan, ulong lsn)
    {
        var size = facts.WalSegmentSize;
        var held = scan.ValidOnPath(size);
        var first = WalFileName.Parse(facts.StartSegment)!.SegmentNumber(size);
        var last = lsn / (ulong)size;
        for (var n = first; n <= last; n++)
        {
            if (!held.ContainsKey(n))
            {
                return false;
            }
        }

        return true;
    }

    private static FrostException Unreachable(string message, string action) =>
        new(ErrorIds.RecoveryTargetUnreachable, FailureKind.InvalidData, message + " Nothing was stopped or changed.", "PointInTime", action);
}
