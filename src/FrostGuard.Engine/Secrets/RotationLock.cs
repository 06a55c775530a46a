using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// One rotation at a time per state folder: an exclusive lock on secret-rotation.lock (flock
/// under .NET on Linux), released when the process ends however it ends, so a killed run never
/// leaves a stale lock behind.
/// </summary>
public sealed class RotationLock : IDisposable
{
    public const string FileName = "secret-rotation.lock";
    private const int WouldBlock = 11;
    private const int SharingViolation = 32;
    private readonly FileStream _stream;

    private RotationLock(FileStream stream) => _stream = stream;

    public static RotationLock Acquire(string stateFolder, string what)
    {
        PrivateFiles.CreateFolder(stateFolder);
        var path = Path.Combine(stateFolder, FileName);
        try
        {
            var stream = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId} {what} {DateTimeOffset.UtcNow:O}\n"));
            stream.Flush();
            return new RotationLock(stream);
        }
        catch (IOException e) when (e.HResult == WouldBlock || (e.HResult & 0xFFFF) == SharingViolation)
        {
            throw new FrostException(ErrorIds.SecretRotationInProgress, FailureKind.OperationFailed,
                $"Another rotation is running (it holds {path}); this one changed nothing.", path,
                "Wait for it to finish (Get-FrostSecretAge shows it once done), then run Update-FrostSecret again if still needed.", e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
