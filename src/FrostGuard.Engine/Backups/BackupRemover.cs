using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Removes a backup: the manifest first (from that moment it is no backup), then its archive.
/// Holds the backup lock, so it never removes what a running backup or restore uses, and acts
/// only on what the catalog, read again under the lock, says: a manifest that changed, that
/// breaks the rules, or whose files another manifest names too is not removed.
/// </summary>
public static class BackupRemover
{
    public static void Remove(FrostBackup backup, IFrostReporter reporter)
    {
        var folder = Path.GetDirectoryName(backup.ManifestPath)!;
        using var removeLock = BackupLock.Acquire(folder, "removal of " + backup.Id);
        BackupIntent.Resolve(folder, reporter);
        RemoveLocked(backup, new BackupCatalog(folder).List(reporter, withRecoverableRange: false), reporter);
    }

    /// <summary>For callers that hold the lock and read the catalog under it (retention).</summary>
    internal static void RemoveLocked(FrostBackup backup, IReadOnlyList<CatalogEntry> catalog, IFrostReporter reporter)
    {
        var entry = catalog.FirstOrDefault(c => c.Backup.ManifestPath == backup.ManifestPath);
        if (entry is null || entry.Backup.Id != backup.Id || entry.Backup.Path != backup.Path || entry.Backup.Created != backup.Created)
        {
            throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
                $"Backup {backup.Id} is not in the catalog of {Path.GetDirectoryName(backup.ManifestPath)} as it was listed (its manifest {backup.ManifestPath} was removed, changed or is not valid); nothing was removed.",
                backup.Id, "Run Get-FrostBackup again and read its warnings.");
        }

        if (entry.SharesFilesWith.Count > 0)
        {
            throw new FrostException(ErrorIds.BackupArchiveShared, FailureKind.InvalidData,
                $"Backup {backup.Id} names a file that backup {string.Join(", ", entry.SharesFilesWith)} names too; removing it would remove the other's file, so nothing was removed.",
                backup.Id, $"Find out which manifest is wrong (only one of them wrote {entry.Manifest.File}), move that manifest out of the backup folder, then remove the backup.");
        }

        var folder = Path.GetDirectoryName(entry.Backup.ManifestPath)!;
        try
        {
            BackupIntent.Begin(folder, entry.Manifest.Id, BackupIntent.Remove);
            File.Delete(entry.Backup.ManifestPath); // from here it is no backup
            CrashPoints.Commit(CrashPoints.RemoveManifestRemoved, entry.Backup.ManifestPath);
            var archive = Path.Combine(folder, entry.Manifest.File);
            if (FileFacts.Read(archive)?.Kind == FileKind.Directory)
            {
                Directory.Delete(archive, recursive: true); // a directory-format archive; links inside are removed, not followed
            }
            else
            {
                File.Delete(archive);
            }

            if (entry.Manifest.Config is { } sealedConfig)
            {
                File.Delete(Path.Combine(folder, sealedConfig.File));
            }

            BackupIntent.End(folder, entry.Manifest.Id);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.BackupRemoveFailed, FailureKind.OperationFailed,
                $"Removing backup {backup.Id} ({backup.ManifestPath}, {backup.Path}) failed: {e.Message}", backup.Id,
                $"Check the permissions of {folder}, then run Remove-FrostBackup again.", e);
        }

        reporter.Verbose($"removed backup {backup.Id}");
    }
}
