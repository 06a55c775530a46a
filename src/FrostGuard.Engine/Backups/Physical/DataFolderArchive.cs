using System.Formats.Tar;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;
using ZstdSharp;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>
/// A data folder as one file: a POSIX (PAX) tar, compressed with zstd, hashed (SHA-256) on its
/// way to disk. Modes, times and links are kept; owners are set again on extraction (the
/// database's uid may differ where it is restored).
/// </summary>
public static class DataFolderArchive
{
    public const int ZstdLevel = 3;

    public sealed record Written(long Bytes, string Sha256);

    public static async Task<Written> WriteAsync(string folder, string archive, CancellationToken cancellationToken)
    {
        await using var file = PrivateFiles.Open(archive, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        var hashing = new HashingStream(file);
        await using (var compressor = new CompressionStream(hashing, ZstdLevel, 1 << 20, leaveOpen: true))
        {
            compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_nbWorkers, Math.Max(1, Environment.ProcessorCount));
            await TarFile.CreateFromDirectoryAsync(folder, compressor, includeBaseDirectory: false, cancellationToken).ConfigureAwait(false);
        }

        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
        return new Written(hashing.BytesWritten, hashing.HexDigest());
    }

    /// <summary>
    /// Extracts into <paramref name="target"/> (created empty by the caller, this process's alone),
    /// writes <paramref name="extraFiles"/> there too, then gives every entry to uid:gid and makes the
    /// folder 0700. The archive is untrusted: only folders and regular files with relative names
    /// inside the target are taken; a link, a device, a FIFO or a name leaving the folder stops it
    /// (InvalidDataException), so nothing is ever written outside the target or through a link.
    /// </summary>
    public static async Task ExtractAsync(string archive, string target, int uid, int gid, IReadOnlyDictionary<string, string> extraFiles, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(target).TrimEnd('/') + "/";
        await using (var file = PrivateFiles.OpenRead(archive, 1 << 20))
        await using (var decompressor = new DecompressionStream(file, 1 << 20, checkEndOfStream: true, leaveOpen: true))
        await using (var reader = new TarReader(decompressor))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var name = entry.Name.TrimEnd('/');
                var full = Path.GetFullPath(Path.Combine(root, name));
                if (name.Length == 0 || Path.IsPathRooted(name) || name.Split('/').Any(part => part is "" or "." or "..") || !full.StartsWith(root, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"the archive names '{entry.Name}', which is not a path inside the data folder");
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(full);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                        await entry.ExtractToFileAsync(full, overwrite: false, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        throw new InvalidDataException($"'{entry.Name}' is a {entry.EntryType}; a data folder FrostGuard archived holds folders and regular files only");
                }

                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(full, entry.Mode & (UnixFileMode)0x1FF);
                }
            }
        }

        foreach (var (name, content) in extraFiles)
        {
            await File.WriteAllTextAsync(Path.Combine(root, name), content, cancellationToken).ConfigureAwait(false);
        }

        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories).Append(target))
        {
            Posix.Chown(entry, uid, gid);
        }

        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The names in the archive, read through (a check that it decompresses and parses to the end).</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string archive, CancellationToken cancellationToken)
    {
        await using var file = PrivateFiles.OpenRead(archive, 1 << 20);
        await using var decompressor = new DecompressionStream(file, 1 << 20, checkEndOfStream: true, leaveOpen: true);
        await using var reader = new TarReader(decompressor);
        var names = new List<string>();
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            names.Add(entry.Name);
            if (entry.DataStream is { } data)
            {
                await data.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }
        }

        return names;
    }
}
