using System.Runtime.Versioning;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>
/// Files that only their owner may read: backups, manifests, journals and state. Files are
/// created 0600 and folders 0700 whatever the process's umask (a systemd unit's UMask=022
/// included): the mode asked of open(2) is narrowed by the umask, so the mode is set again on
/// the open handle. Folders that exist already are left as they are; Test-FrostSecurity reports
/// one that others may enter.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [UnsupportedOSPlatformGuard("windows")]
    private static bool OnUnix => !OperatingSystem.IsWindows();

    /// <summary>Creates <paramref name="path"/> and any missing parents, each 0700; returns the full path.</summary>
    public static string CreateFolder(string path)
    {
        if (!OnUnix)
        {
            throw NeedsUnix();
        }

        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        for (var folder = full; folder is not null && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, FolderMode);
            File.SetUnixFileMode(folder, FolderMode);
        }

        return full;
    }

    /// <summary>
    /// Opens a private file for writing: never through a symbolic link (a link planted in its
    /// place would otherwise be written, truncated and chmodded), only a regular file of this
    /// user with no other name (no hard link to someone else's file), made 0600 whatever the
    /// umask. FileShare.None takes an exclusive flock as FileStream does, any other a shared one.
    /// </summary>
    /// <remarks>The stream is synchronous: FileOptions.Asynchronous buys nothing on Unix, where FileStream hands the call to the thread pool.</remarks>
    public static FileStream Open(string path, FileMode mode, FileAccess access = FileAccess.Write, FileShare share = FileShare.None, int bufferSize = 4096)
    {
        if (!OnUnix)
        {
            throw NeedsUnix();
        }

        // Truncated only once it is known to be ours: O_TRUNC would act before the checks.
        var handle = Posix.OpenNoFollow(path, mode is System.IO.FileMode.Create or System.IO.FileMode.Truncate ? System.IO.FileMode.OpenOrCreate : mode, access, FileMode);
        try
        {
            var facts = FileFacts.Of(handle);
            if (facts.Kind != FileKind.Regular || facts.Links != 1 || facts.Uid != Posix.EffectiveUserId)
            {
                throw new IOException($"{path} is not a private file of this user ({FileFacts.Describe(facts.Kind)} with {facts.Links} names, owned by uid {facts.Uid}); FrostGuard does not write to it.");
            }

            Posix.LockWithoutWaiting(handle, exclusive: share == FileShare.None, path);
            File.SetUnixFileMode(handle, FileMode);
            var stream = new FileStream(handle, access, bufferSize, isAsync: false);
            if (mode is System.IO.FileMode.Create or System.IO.FileMode.Truncate)
            {
                stream.SetLength(0);
            }

            return stream;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static PlatformNotSupportedException NeedsUnix() => new("FrostGuard's private files (0600 and 0700) need a Unix file system.");

    /// <summary>
    /// Opens a file of a backup folder for reading, never through a symbolic link, and only a
    /// regular file: what a manifest names is checked before, and this closes the gap between
    /// that check and the read.
    /// </summary>
    public static FileStream OpenRead(string path, int bufferSize = 1 << 16)
    {
        var handle = Posix.OpenNoFollow(path, System.IO.FileMode.Open, FileAccess.Read, 0);
        try
        {
            var facts = FileFacts.Of(handle);
            if (facts.Kind != FileKind.Regular)
            {
                throw new IOException($"{path} is {FileFacts.Describe(facts.Kind)}, not a regular file; FrostGuard does not read it as a backup file.");
            }

            return new FileStream(handle, FileAccess.Read, bufferSize, isAsync: false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Writes a whole file, 0600.</summary>
    public static void WriteAllText(string path, string contents)
    {
        using var stream = Open(path, System.IO.FileMode.Create);
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
        writer.Write(contents);
    }

    /// <summary>Makes what another user wrote private: files 0600, folders 0700, all the way down; links are not followed.</summary>
    public static void Restrict(string path)
    {
        if (!OnUnix)
        {
            throw NeedsUnix();
        }

        var facts = FileFacts.Read(path) ?? throw new FileNotFoundException($"{path} is not there to restrict", path);
        switch (facts.Kind)
        {
            case FileKind.Directory:
                File.SetUnixFileMode(path, FolderMode);
                foreach (var entry in Directory.EnumerateFileSystemEntries(path))
                {
                    Restrict(entry);
                }

                break;
            case FileKind.Regular:
                File.SetUnixFileMode(path, FileMode);
                break;
        }
    }
}
