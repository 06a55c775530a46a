using System.Runtime.InteropServices;
using System.Text;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// Writes files that hold secrets: created 0600 from the first byte (never widened, never
/// world-readable for an instant), owned like the file they replace, flushed to disk, then
/// renamed over the target, and the folder synced, so a crash leaves the old file or the new
/// one, never half of either.
/// </summary>
public static class SecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Replaces <paramref name="path"/> atomically with <paramref name="text"/>, keeping its owner and group.</summary>
    public static void ReplaceAtomically(string path, string text, FileOwner owner)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.frostguard-{Guid.NewGuid():N}.tmp");
        try
        {
            WriteNew(temporary, text, owner);
            File.Move(temporary, path, overwrite: true); // rename(2): atomic within one folder
            Backups.Posix.SyncDirectory(folder);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes a new file (it must not exist) 0600 with the given owner, and flushes it to disk.</summary>
    public static void WriteNew(string path, string text, FileOwner owner)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("secret files are written with POSIX modes and owners (Linux)");
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = OwnerOnly,
        };
        using (var stream = new FileStream(path, options))
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        // The umask can only narrow the mode; say it explicitly anyway, then hand the file to the owner.
        File.SetUnixFileMode(path, OwnerOnly);
        FileOwner.Apply(path, owner);
    }
}

/// <summary>A file's numeric owner and group, read with stat(2) and set with chown(2).</summary>
public readonly record struct FileOwner(uint Uid, uint Gid)
{
    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int NativeChown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint uid, uint gid);

    public static FileOwner Of(string path)
    {
        // struct stat of glibc on Linux: st_uid/st_gid sit at 28/32 on x86-64, 24/28 on arm64.
        var (uidOffset, gidOffset) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (28, 32),
            Architecture.Arm64 => (24, 28),
            var other => throw new PlatformNotSupportedException($"reading file owners is implemented for x64 and arm64 Linux, not {other}"),
        };
        var buffer = new byte[256];
        if (NativeStat(path, buffer) != 0)
        {
            throw new IOException($"stat {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return new FileOwner(BitConverter.ToUInt32(buffer, uidOffset), BitConverter.ToUInt32(buffer, gidOffset));
    }

    public static void Apply(string path, FileOwner owner)
    {
        if (NativeChown(path, owner.Uid, owner.Gid) != 0)
        {
            throw new IOException($"chown {owner.Uid}:{owner.Gid} {path} failed (errno {Marshal.GetLastPInvokeError()}); FrostGuard must run as root or as the file's owner");
        }
    }
}
