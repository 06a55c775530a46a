using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// One rotation at a time per state folder: an exclusive lock on secret-rotation.lock (flock
/// under .NET on Linux), released when the process ends however it ends, so a killed run never
/// leaves a stale lock behind.
/// </summary>
public sealed class RotationLock : IDisposable
{
    public const string FileName = "secret-rotation.lock";
    private readonly LockFile _lock;

    private RotationLock(LockFile held) => _lock = held;

    public static RotationLock Acquire(string stateFolder, string what)
    {
        PrivateFiles.CreateFolder(stateFolder);
        var path = Path.Combine(stateFolder, FileName);
        return LockFile.TryAcquire(path, $"{Environment.ProcessId} {what} {DateTimeOffset.UtcNow:O}") is { } held
            ? new RotationLock(held)
            : throw new FrostException(ErrorIds.SecretRotationInProgress, FailureKind.OperationFailed,
                $"Another rotation is running (it holds {path}); this one changed nothing.", path,
                "Wait for it to finish (Get-FrostSecretAge shows it once done), then run Update-FrostSecret again if still needed.");
    }

    public void Dispose() => _lock.Dispose();
}
