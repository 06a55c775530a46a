using System.Runtime.InteropServices;

namespace FrostGuard.Engine.Backups;

/// <summary>The few POSIX calls .NET does not offer: signalling a process, syncing a folder, FIFOs.</summary>
internal static class Posix
{
    public const int SigTerm = 15;
    private const int ReadOnly = 0;
    private const int ReadWrite = 2;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux x86-64 and arm64
    private const int NoFollow = 0x20000;  // O_NOFOLLOW on Linux x86-64 and arm64
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int NativeKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int NativeOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int NativeFsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int NativeClose(int fd);

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int NativeLchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int NativeMkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int NativeFcntl(IntPtr fd, int command, int argument);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern int NativeGeteuid();

    [DllImport("libc", EntryPoint = "getegid")]
    private static extern int NativeGetegid();

    public static int EffectiveUserId => NativeGeteuid();

    public static int EffectiveGroupId => NativeGetegid();

    /// <summary>Changes a file's or folder's owner (not following links).</summary>
    public static void Chown(string path, int owner, int group)
    {
        if (NativeLchown(path, owner, group) != 0)
        {
            throw new IOException($"cannot change the owner of {path} to {owner}:{group} (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>Opens a file (a FIFO's end) for reading, or reading and writing, never through a symlink.</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenNoFollow(string path, bool write)
    {
        var fd = NativeOpen(path, (write ? ReadWrite : ReadOnly) | NoFollow | CloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open {path} (errno {Marshal.GetLastPInvokeError()})");
        }

        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Creates a FIFO (named pipe); returns 0 or the errno (13 EACCES, 17 EEXIST, ...).</summary>
    public static int MakeFifo(string path, int mode) => NativeMkfifo(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>
    /// Asks for a larger pipe buffer (F_SETPIPE_SZ), so a writer and a reader on different cores
    /// hand over 1 MB at a time instead of 64 KB. Best effort: the kernel may cap or refuse it.
    /// </summary>
    public static void TryEnlargePipe(Microsoft.Win32.SafeHandles.SafeFileHandle pipe, int bytes)
    {
        const int SetPipeSize = 1031; // F_SETPIPE_SZ
        _ = NativeFcntl(pipe.DangerousGetHandle(), SetPipeSize, bytes);
    }

    /// <summary>Makes a file's contents durable, whoever wrote them (fsync on a read-only descriptor).</summary>
    public static void SyncFile(string path) => Sync(path, ReadOnly, "file");

    /// <summary>Sends a signal; returns 0 or the errno (1 EPERM, 3 ESRCH).</summary>
    public static int Kill(int pid, int signal) => NativeKill(pid, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Makes a folder's entries (new and renamed files) durable.</summary>
    public static void SyncDirectory(string path) => Sync(path, ReadOnly | Directory, "folder");

    private static void Sync(string path, int flags, string what)
    {
        var fd = NativeOpen(path, flags);
        if (fd < 0)
        {
            throw new IOException($"cannot open {what} {path} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (NativeFsync(fd) != 0)
            {
                throw new IOException($"fsync of {what} {path} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = NativeClose(fd);
        }
    }
}
