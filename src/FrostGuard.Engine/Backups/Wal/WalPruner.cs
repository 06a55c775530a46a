namespace FrostGuard.Engine.Backups.Wal;

/// <summary>
/// The WAL retention keeps: every segment from the start of the oldest base backup the backup
/// retention keeps, per cluster. Without a kept base backup nothing is pruned (there is no anchor
/// to recover from, and the archive may be all an operator has); history files always stay.
/// </summary>
public static class WalPruner
{
    public sealed record Pruning(string Folder, string KeptFrom, IReadOnlyList<WalArchiveEntry> Expired);

    /// <summary>What may go for each cluster of the root, given the base backups retention keeps.</summary>
    public static IReadOnlyList<Pruning> Plan(string root, IEnumerable<BackupManifest> keptBases)
    {
        var plans = new List<Pruning>();
        foreach (var cluster in keptBases.Where(m => m.Physical is not null).GroupBy(m => m.Database, StringComparer.Ordinal))
        {
            if (RecoverableRange.ProjectOf(cluster.Key) is not { } project || !ManifestValidation.IsPlainName(project))
            {
                continue;
            }

            var oldest = cluster.Select(m => m.Physical!).MinBy(p => WalFileName.Parse(p.StartSegment)!.SegmentNumber(p.WalSegmentSize))!;
            var size = oldest.WalSegmentSize;
            var first = WalFileName.Parse(oldest.StartSegment)!.SegmentNumber(size);
            // Segments of another cluster are invalid in this scan, and never removed.
            var scan = WalArchiveFolder.Scan(WalArchiveFolder.PathFor(root, project), size, oldest.SystemIdentifier);
            // The anchor must be real: its start segment archived and whole. A manifest that names a start the archive does not hold prunes nothing.
            if (!scan.Files.Any(f => f.Name.Kind == WalFileKind.Segment && f.Problem is null && f.Name.SegmentNumber(size) == first))
            {
                continue;
            }

            // Only finished, valid segments before the anchor, on its timeline or an older one: a later
            // timeline (a recovery's branch) may need them, and the .partial is pg_receivewal's.
            // A .partial set aside in earlier-* is the unfinished end of a stream nothing writes any more.
            var expired = scan.Files.Where(f => (f.Name.Kind == WalFileKind.Segment || (f.Name.Kind == WalFileKind.Partial && Path.GetDirectoryName(f.Path) != scan.Folder))
                && f.Problem is null && f.Name.Timeline <= oldest.Timeline && f.Name.SegmentNumber(size) < first).ToList();
            plans.Add(new Pruning(scan.Folder, oldest.StartSegment, expired));
        }

        return plans;
    }

    /// <summary>
    /// Removes the expired files (never through a link: each is a file the scan found in the folder
    /// or an earlier-* folder of it), then the earlier-* folders this removal emptied. Only those:
    /// an empty one it did not empty may be one Enable-FrostWalArchive has just made and is moving
    /// files into (it holds the deployment's lock, not the backup root's).
    /// </summary>
    public static int Remove(Pruning pruning)
    {
        var removed = 0;
        foreach (var entry in pruning.Expired)
        {
            if (Platform.Os.FileFacts.Read(entry.Path) is { Kind: Platform.Os.FileKind.Regular })
            {
                File.Delete(entry.Path);
                removed++;
            }
        }

        var emptied = pruning.Expired.Select(e => Path.GetDirectoryName(e.Path)!).Where(d => d != pruning.Folder).ToHashSet(StringComparer.Ordinal);
        foreach (var earlier in Directory.Exists(pruning.Folder) ? WalArchiveFolder.EarlierFolders(pruning.Folder).Where(emptied.Contains).ToList() : [])
        {
            if (!Directory.EnumerateFileSystemEntries(earlier).Any())
            {
                Directory.Delete(earlier);
            }
        }

        if (removed > 0)
        {
            Platform.Os.Posix.SyncDirectory(pruning.Folder);
        }

        return removed;
    }
}
