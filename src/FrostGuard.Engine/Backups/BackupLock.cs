using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// One backup or restore at a time per backup root: an exclusive lock on a file in the root. The
/// operating system releases it when the process ends, however it ends, so a dead run never
/// holds it.
/// </summary>
public sealed class BackupLock : IDisposable
{
    public const string FileName = ".frostguard-backup.lock";

    // A lock held elsewhere: on Linux .NET reports flock's EWOULDBLOCK as the IOException's
    // HResult (11); on Windows it is ERROR_SHARING_VIOLATION (32) in the low word.
    private const int WouldBlock = 11;
    private const int SharingViolation = 32;

    private readonly FileStream _stream;

    private BackupLock(FileStream stream) => _stream = stream;

    public static BackupLock Acquire(string root, string what)
    {
        var path = Path.Combine(root, FileName);
        try
        {
            var stream = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            stream.SetLength(0);
            var owner = System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId} {what} {DateTimeOffset.UtcNow:O}\n");
            stream.Write(owner);
            stream.Flush();
            return new BackupLock(stream);
        }
        catch (IOException e) when (e.HResult == WouldBlock || (e.HResult & 0xFFFF) == SharingViolation)
        {
            throw new FrostException(ErrorIds.BackupInProgress, FailureKind.OperationFailed,
                $"Another backup or restore is running on {root} (it holds {path}); this one did not start.", root,
                "Wait for it to finish (Get-FrostBackup -Latest shows it once done), then run the command again.", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw BackupErrors.NotWritable(root, e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
