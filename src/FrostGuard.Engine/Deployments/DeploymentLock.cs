using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// One change of a deployment's .env, Compose state or services at a time: an exclusive flock on
/// deployment.lock in the state folder, held by updates, undos, rotations, restores, scaling and
/// in-place recoveries for their whole length. The kernel drops it when the process ends,
/// however it ends; what a dead holder left half done is its operation record's business.
/// </summary>
public sealed class DeploymentLock : IDisposable
{
    public const string FileName = "deployment.lock";
    private const int WouldBlock = 11;
    private readonly FileStream _stream;

    private DeploymentLock(FileStream stream) => _stream = stream;

    /// <param name="what">What the holder does, for the message another command shows.</param>
    public static DeploymentLock Acquire(string stateFolder, string what)
    {
        PrivateFiles.CreateFolder(stateFolder);
        var path = Path.Combine(stateFolder, FileName);
        FileStream stream;
        try
        {
            stream = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException e) when (e.HResult == WouldBlock)
        {
            throw new FrostException(ErrorIds.DeploymentChangeInProgress, FailureKind.OperationFailed,
                $"Another change of the deployment is running ({Holder(path)}); this command changed nothing.", path,
                "Wait for it to finish, then run this command again.", e);
        }

        try
        {
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes($"PID {Environment.ProcessId}: {what}, since {DateTimeOffset.UtcNow:u}\n"));
            stream.Flush();
            return new DeploymentLock(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static string Holder(string path)
    {
        try
        {
            // A FileStream opened by path would ask for a shared flock and be refused: read through a handle of our own.
            using var reader = new StreamReader(new FileStream(Posix.OpenNoFollow(path, FileMode.Open, FileAccess.Read, 0), FileAccess.Read));
            return (reader.ReadLine() ?? "").Trim() is { Length: > 0 } line ? line : $"it holds {path}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it holds {path}";
        }
    }

    public void Dispose() => _stream.Dispose();
}
