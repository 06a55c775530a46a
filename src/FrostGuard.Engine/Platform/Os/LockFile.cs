namespace FrostGuard.Engine.Platform.Os;

/// <summary>
/// An exclusive lock on a file, held while this object lives: flock(2) under .NET on Linux
/// (FileShare.None), released by the kernel when the process ends however it ends, so a dead
/// holder never leaves a stale lock. The holder writes one line saying who it is, for the message
/// another process shows when it finds the lock taken. The backup, rotation, deployment and run
/// locks are this, each with its own file and error.
/// </summary>
public sealed class LockFile : IDisposable
{
    // A lock held elsewhere: on Linux .NET reports flock's EWOULDBLOCK as the IOException's
    // HResult (11); on Windows it is ERROR_SHARING_VIOLATION (32) in the low word.
    private const int WouldBlock = 11;
    private const int SharingViolation = 32;

    private readonly FileStream _stream;

    private LockFile(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock and writes <paramref name="holder"/> into the file; null when another process (or another handle of this one) holds it.</summary>
    public static LockFile? TryAcquire(string path, string holder)
    {
        FileStream stream;
        try
        {
            stream = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException e) when (e.HResult == WouldBlock || (e.HResult & 0xFFFF) == SharingViolation)
        {
            return null;
        }

        try
        {
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(holder + "\n"));
            stream.Flush();
            return new LockFile(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The line the holder wrote, or null when it cannot be read.</summary>
    public static string? ReadHolder(string path)
    {
        try
        {
            // A FileStream opened by path would ask for a shared flock and be refused: read through a handle of our own.
            using var reader = new StreamReader(new FileStream(Posix.OpenNoFollow(path, FileMode.Open, FileAccess.Read, 0), FileAccess.Read));
            return reader.ReadLine()?.Trim() is { Length: > 0 } line ? line : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();
}
