namespace FrostGuard.Engine.Backups;

/// <summary>Failures shared by several backup operations, worded once.</summary>
internal static class BackupErrors
{
    public static FrostException NotWritable(string root, Exception e) =>
        new(ErrorIds.BackupDestinationNotWritable, FailureKind.PermissionDenied,
            $"Cannot write to the backup folder {root}: {e.Message}", root,
            $"Check that {root} exists on a writable file system and that this user may write there (`ls -ld {root}`), or pass -Destination with another folder.", e);

    public static FrostException WriteFailed(string path, Exception e) =>
        new(ErrorIds.BackupWriteFailed, FailureKind.OperationFailed,
            $"Writing the backup to {path} failed: {e.Message}. The partial file was removed.", path,
            $"Check free space and the file system of {Path.GetDirectoryName(path)} (`df -h {Path.GetDirectoryName(path)}`), then run Invoke-FrostBackup again.", e);
}
