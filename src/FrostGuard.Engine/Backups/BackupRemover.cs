using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Removes a backup: the manifest first (from that moment it is no backup), then its archive.
/// Holds the backup lock, so it never removes what a running backup or restore uses.
/// </summary>
public static class BackupRemover
{
    public static void Remove(FrostBackup backup, IFrostReporter reporter)
    {
        var folder = Path.GetDirectoryName(backup.ManifestPath)!;
        using var removeLock = BackupLock.Acquire(folder, "removal of " + backup.Id);
        RemoveLocked(backup, reporter);
    }

    /// <summary>For callers that already hold the lock (retention).</summary>
    internal static void RemoveLocked(FrostBackup backup, IFrostReporter reporter)
    {
        try
        {
            File.Delete(backup.ManifestPath);
            if (Directory.Exists(backup.Path))
            {
                Directory.Delete(backup.Path, recursive: true); // a directory-format archive
            }
            else
            {
                File.Delete(backup.Path);
            }

            if (backup.ConfigArchivePath is { } sealedConfig)
            {
                File.Delete(sealedConfig);
            }

            Posix.SyncDirectory(Path.GetDirectoryName(backup.ManifestPath)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.BackupRemoveFailed, FailureKind.OperationFailed,
                $"Removing backup {backup.Id} ({backup.ManifestPath}, {backup.Path}) failed: {e.Message}", backup.Id,
                $"Check the permissions of {Path.GetDirectoryName(backup.ManifestPath)}, then run Remove-FrostBackup again.", e);
        }

        reporter.Verbose($"removed backup {backup.Id}");
    }
}
