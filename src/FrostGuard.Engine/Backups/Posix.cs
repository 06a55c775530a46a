using System.Runtime.InteropServices;

namespace FrostGuard.Engine.Backups;

/// <summary>The few POSIX calls .NET does not offer: signalling a process and syncing a folder.</summary>
internal static class Posix
{
    public const int SigTerm = 15;
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux x86-64 and arm64

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int NativeKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int NativeOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int NativeChown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int NativeFsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int NativeClose(int fd);

    /// <summary>Gives a file an owner and group, when this process may (root); otherwise leaves it to whoever runs this.</summary>
    public static void Chown(string path, int owner, int group)
    {
        if (Environment.UserName == "root" && NativeChown(path, owner, group) != 0)
        {
            throw new IOException($"chown {owner}:{group} {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends a signal; returns 0 or the errno (1 EPERM, 3 ESRCH).</summary>
    public static int Kill(int pid, int signal) => NativeKill(pid, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Makes a folder's entries (new and renamed files) durable.</summary>
    public static void SyncDirectory(string path)
    {
        var fd = NativeOpen(path, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open folder {path} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (NativeFsync(fd) != 0)
            {
                throw new IOException($"fsync of folder {path} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = NativeClose(fd);
        }
    }
}
