using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// One backup or restore at a time per backup root: an exclusive lock on a file in the root. The
/// operating system releases it when the process ends, however it ends, so a dead run never
/// holds it.
/// </summary>
public sealed class BackupLock : IDisposable
{
    public const string FileName = ".frostguard-backup.lock";

    private readonly LockFile _lock;

    private BackupLock(LockFile held) => _lock = held;

    public static BackupLock Acquire(string root, string what)
    {
        var path = Path.Combine(root, FileName);
        LockFile? held;
        try
        {
            held = LockFile.TryAcquire(path, $"{Environment.ProcessId} {what} {DateTimeOffset.UtcNow:O}");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw BackupErrors.NotWritable(root, e);
        }

        return held is null
            ? throw new FrostException(ErrorIds.BackupInProgress, FailureKind.OperationFailed,
                $"Another backup or restore is running on {root} (it holds {path}); this one did not start.", root,
                "Wait for it to finish (Get-FrostBackup -Latest shows it once done), then run the command again.")
            : new BackupLock(held);
    }

    /// <summary>The lock of a backup root that may not exist yet: the root is made first (0700), as a backup would make it.</summary>
    public static BackupLock AcquireCreatingRoot(string root, string what)
    {
        try
        {
            PrivateFiles.CreateFolder(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BackupErrors.NotWritable(root, e);
        }

        return Acquire(root, what);
    }

    public void Dispose() => _lock.Dispose();
}
