using System.Runtime.InteropServices;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>What a path is, read without following a symbolic link.</summary>
public enum FileKind
{
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
}

/// <summary>
/// A path's type, mode, size and owner as lstat sees them (statx with AT_SYMLINK_NOFOLLOW, whose
/// layout is the same on every Linux architecture). .NET tells neither a FIFO nor a socket from a
/// regular file, nor gives a file's owner.
/// </summary>
public sealed record FileFacts(FileKind Kind, UnixFileMode Mode, long Size, int Uid, int Gid, int Links = 1)
{
    /// <summary>The file as /proc/locks names it: device major:minor (two hex digits each) and inode.</summary>
    public string LockKey { get; init; } = "";

    private const int CurrentDirectory = -100;    // AT_FDCWD
    private const int NoFollow = 0x100;           // AT_SYMLINK_NOFOLLOW
    private const int EmptyPath = 0x1000;          // AT_EMPTY_PATH: the facts of the descriptor itself
    private const uint Wanted = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x100 | 0x200; // STATX_TYPE | MODE | NLINK | UID | GID | INO | SIZE
    private const int NotFound = 2;               // ENOENT
    private const int NotADirectory = 20;         // ENOTDIR

    // Bound before the first call, for the errno that tells "not there" from a failure (see Posix).
    static FileFacts() => Marshal.PrelinkAll(typeof(FileFacts));

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int NativeStatx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int NativeStatxOfDescriptor(IntPtr descriptor, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    /// <summary>The group's and others' permission bits: set on a private file, they let other local users in.</summary>
    public const UnixFileMode OthersBits = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>True when a user other than the owner (its group, or anyone) may read it or, for a folder, enter it.</summary>
    public bool OthersMayRead => (Mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead
        | (Kind == FileKind.Directory ? UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : 0))) != 0;

    /// <summary>What a kind of file is called in a message: "a symbolic link", "a FIFO".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        _ => "a block device",
    };

    /// <summary>The facts of <paramref name="path"/> itself (a link is reported as a link), or null when nothing is there.</summary>
    public static FileFacts? Read(string path)
    {
        var buffer = new byte[256];
        if (NativeStatx(CurrentDirectory, path, NoFollow, Wanted, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is NotFound or NotADirectory)
            {
                return null;
            }

            throw new IOException($"cannot read the file facts of {path} (errno {errno})");
        }

        return Parse(buffer);
    }

    /// <summary>The facts of an open file: what was opened, whatever the path names now.</summary>
    public static FileFacts Of(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        var buffer = new byte[256];
        if (NativeStatxOfDescriptor(file.DangerousGetHandle(), "", EmptyPath, Wanted, buffer) != 0)
        {
            throw new IOException($"cannot read the file facts of an open file (errno {Marshal.GetLastPInvokeError()})");
        }

        return Parse(buffer);
    }

    private static FileFacts Parse(byte[] buffer)
    {
        var mode = MemoryMarshal.Read<ushort>(buffer.AsSpan(28));
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            _ => FileKind.BlockDevice,
        };
        return new FileFacts(kind, (UnixFileMode)(mode & 0xFFF), (long)MemoryMarshal.Read<ulong>(buffer.AsSpan(40)),
            (int)MemoryMarshal.Read<uint>(buffer.AsSpan(20)), (int)MemoryMarshal.Read<uint>(buffer.AsSpan(24)), (int)MemoryMarshal.Read<uint>(buffer.AsSpan(16)))
        {
            // stx_ino at 32, stx_dev_major at 136, stx_dev_minor at 140.
            LockKey = $"{MemoryMarshal.Read<uint>(buffer.AsSpan(136)):x2}:{MemoryMarshal.Read<uint>(buffer.AsSpan(140)):x2}:{MemoryMarshal.Read<ulong>(buffer.AsSpan(32))}",
        };
    }
}
