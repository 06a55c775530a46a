using System.Runtime.InteropServices;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>The few POSIX calls .NET does not offer: signalling a process, syncing a folder, FIFOs.</summary>
internal static class Posix
{
    public const int SigTerm = 15;
    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int ReadWrite = 2;
    private const int Create = 0x40;       // O_CREAT
    private const int Exclusive = 0x80;    // O_EXCL
    private const int Truncate = 0x200;    // O_TRUNC
    private const int Append = 0x400;      // O_APPEND
    private const int CloseOnExec = 0x80000; // O_CLOEXEC
    private const int AlreadyExists = 17;  // EEXIST
    private const int TooManyLinks = 40;   // ELOOP: O_NOFOLLOW met a link

    // Bound before the first call: the first call of a P/Invoke bound lazily in FrostGuard's load
    // context reported ENOENT (left by the library lookup) instead of the call's own errno, so
    // a held lock read as "cannot lock" (seen with flock on .NET 10).
    static Posix() => Marshal.PrelinkAll(typeof(Posix));

    // arm64 numbers O_DIRECTORY and O_NOFOLLOW as the old ARM ABI did; x86-64 uses the generic values.
    private static readonly bool Arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
    private static readonly int Directory = Arm64 ? 0x4000 : 0x10000;
    private static readonly int NoFollow = Arm64 ? 0x8000 : 0x20000;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int NativeKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int NativeOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int NativeOpenCreating([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int NativeFlock(IntPtr fd, int operation);

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

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr NativeRealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] resolved);

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

    /// <summary>
    /// Opens a file as <see cref="FileMode"/> asks, never through a symbolic link (O_NOFOLLOW; a
    /// link is an <see cref="IOException"/>), creating it with <paramref name="createMode"/>.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenNoFollow(string path, FileMode mode, FileAccess access, UnixFileMode createMode)
    {
        var flags = (access switch { FileAccess.Read => ReadOnly, FileAccess.Write => WriteOnly, _ => ReadWrite }) | NoFollow | CloseOnExec | mode switch
        {
            FileMode.CreateNew => Create | Exclusive,
            FileMode.Create => Create | Truncate,
            FileMode.OpenOrCreate => Create,
            FileMode.Truncate => Truncate,
            FileMode.Append => Create | Append,
            _ => 0,
        };
        var fd = NativeOpenCreating(path, flags, (uint)createMode);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                TooManyLinks => new IOException($"{path} is a symbolic link; FrostGuard does not open its private files through one."),
                AlreadyExists => new IOException($"{path} already exists.", AlreadyExists),
                2 => new FileNotFoundException($"{path} does not exist.", path),
                13 => new UnauthorizedAccessException($"Access to {path} is denied (errno 13)."),
                _ => new IOException($"cannot open {path} (errno {errno})", errno),
            };
        }

        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Takes an advisory lock on an open file without waiting, as .NET's FileStream does for a path
    /// (exclusive for FileShare.None, shared otherwise); one held elsewhere is an
    /// <see cref="IOException"/> whose HResult is EWOULDBLOCK (11). The kernel drops it when the
    /// file is closed or the process ends.
    /// </summary>
    /// <remarks>
    /// A lock this process just released can still be held for a while by a child another thread
    /// is starting: between fork and exec the child shares the open file description (close-on-exec
    /// closes it only at exec), and on a busy machine that can last long. Such a leftover
    /// (<see cref="FlockHolders"/>) is tried again, up to <see cref="OwnLockPatience"/>; a lock an
    /// open descriptor of this process or another process holds fails at once, and so does one
    /// /proc/locks does not show after one more try.
    /// </remarks>
    public static void LockWithoutWaiting(Microsoft.Win32.SafeHandles.SafeFileHandle file, bool exclusive, string path)
    {
        const int Shared = 1, Exclusive = 2, NonBlocking = 4, WouldBlock = 11;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var unseenBefore = false;
        string? key = null;
        var pause = 1;
        while (NativeFlock(file.DangerousGetHandle(), (exclusive ? Exclusive : Shared) | NonBlocking) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != WouldBlock)
            {
                throw new IOException($"cannot lock {path} (errno {errno})", errno);
            }

            var locked = new IOException($"{path} is locked by another process.", WouldBlock);
            FlockHolder holder;
            try
            {
                key ??= FileFacts.Of(file).LockKey;
                holder = FlockHolders.Of(key);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw locked; // who holds it cannot be read: it is taken, as flock said
            }

            if (holder == FlockHolder.Taken || (holder == FlockHolder.Unseen && unseenBefore) || System.Diagnostics.Stopwatch.GetElapsedTime(started) > OwnLockPatience)
            {
                throw locked;
            }

            if (holder == FlockHolder.Unseen)
            {
                unseenBefore = true; // released meanwhile, most likely: once more at once
                continue;
            }

            // Reading /proc/locks takes the kernel's lock table for a moment: back off, up to 50 ms.
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 50);
        }
    }

    /// <summary>How long a fork's leftover lock is tried again: the longest a child may take from fork to exec.</summary>
    public static readonly TimeSpan OwnLockPatience = TimeSpan.FromSeconds(5);

    /// <summary>The canonical path of an existing file or folder (every link resolved), or null when it cannot be resolved.</summary>
    public static string? RealPath(string path)
    {
        var resolved = new byte[4096]; // PATH_MAX
        return NativeRealPath(path, resolved) == IntPtr.Zero ? null : System.Text.Encoding.UTF8.GetString(resolved, 0, Array.IndexOf(resolved, (byte)0));
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
