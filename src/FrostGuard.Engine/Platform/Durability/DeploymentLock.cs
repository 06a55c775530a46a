using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Durability;

/// <summary>
/// One change of a deployment's .env, Compose state or services at a time: an exclusive flock on
/// deployment.lock in the state folder, held by updates, undos, rotations, restores, scaling and
/// in-place recoveries for their whole length. The kernel drops it when the process ends,
/// however it ends; what a dead holder left half done is its operation record's business.
/// </summary>
public sealed class DeploymentLock : IDisposable
{
    public const string FileName = "deployment.lock";
    private readonly LockFile _lock;

    private DeploymentLock(LockFile held) => _lock = held;

    /// <param name="what">What the holder does, for the message another command shows.</param>
    public static DeploymentLock Acquire(string stateFolder, string what)
    {
        PrivateFiles.CreateFolder(stateFolder);
        var path = Path.Combine(stateFolder, FileName);
        return LockFile.TryAcquire(path, $"PID {Environment.ProcessId}: {what}, since {DateTimeOffset.UtcNow:u}") is { } held
            ? new DeploymentLock(held)
            : throw new FrostException(ErrorIds.DeploymentChangeInProgress, FailureKind.OperationFailed,
                $"Another change of the deployment is running ({LockFile.ReadHolder(path) ?? $"it holds {path}"}); this command changed nothing.", path,
                "Wait for it to finish, then run this command again.");
    }

    public void Dispose() => _lock.Dispose();
}
