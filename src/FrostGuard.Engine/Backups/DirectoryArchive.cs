using System.Security.Cryptography;
using System.Text;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// A directory-format archive (pg_dump -Fd): the SHA-256 of every file, and one SHA-256 over
/// the sorted list, which is what the manifest's <c>sha256</c> holds. The list is written as
/// sha256sum prints it (<c>&lt;hex&gt;  &lt;name&gt;\n</c>, names in ordinal order), so
/// <c>sha256sum -c</c> can check a folder by hand.
/// </summary>
public static class DirectoryArchive
{
    public const string Suffix = ".dir";
    private const int ChunkSize = 1 << 20;

    public static string FolderName(string id) => id + Suffix;

    /// <summary>The SHA-256 of the sha256sum listing of <paramref name="files"/>, sorted by name (ordinal).</summary>
    public static string ListDigest(IEnumerable<BackupFileEntry> files)
    {
        var listing = new StringBuilder();
        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            listing.Append(file.Sha256.ToLowerInvariant()).Append("  ").Append(file.Name).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString()))).ToLowerInvariant();
    }

    /// <summary>Reads every file of the folder (recursively): name relative to it with '/', size, SHA-256; optionally fsyncs each.</summary>
    public static async Task<IReadOnlyList<BackupFileEntry>> HashAsync(string folder, bool sync, CancellationToken cancellationToken)
    {
        var entries = new List<BackupFileEntry>();
        foreach (var path in RegularFiles(folder))
        {
            var (size, sha) = await HashFileAsync(path, cancellationToken).ConfigureAwait(false);
            if (sync)
            {
                Posix.SyncFile(path);
            }

            entries.Add(new BackupFileEntry(Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/'), size, sha));
        }

        if (sync)
        {
            Posix.SyncDirectory(folder);
        }

        return entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Compares the folder with the manifest: the same files (none missing, none added), each
    /// with its recorded SHA-256, and the list digest. Returns one line per difference.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CompareAsync(string folder, BackupManifest manifest, CancellationToken cancellationToken)
    {
        var expected = manifest.Files ?? [];
        var actual = await HashAsync(folder, sync: false, cancellationToken).ConfigureAwait(false);
        var differences = Compare(expected, actual);
        if (differences.Count == 0 && !string.Equals(ListDigest(expected), manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            differences = [$"the manifest's file list does not give its sha256 {manifest.Sha256}"];
        }

        return differences;
    }

    public static IReadOnlyList<string> Compare(IReadOnlyList<BackupFileEntry> expected, IReadOnlyList<BackupFileEntry> actual)
    {
        var found = actual.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var want in expected)
        {
            if (!found.Remove(want.Name, out var have))
            {
                differences.Add($"{want.Name} is missing");
            }
            else if (!string.Equals(have.Sha256, want.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                differences.Add($"{want.Name} has SHA-256 {have.Sha256}, the manifest says {want.Sha256}");
            }
        }

        differences.AddRange(found.Keys.Select(extra => $"{extra} is not in the manifest"));
        return differences;
    }

    /// <summary>Copies a folder's files into <paramref name="target"/> (created), hashing on the way and syncing each; the copies are private (0600 files, 0700 folders).</summary>
    public static async Task<IReadOnlyList<BackupFileEntry>> CopyAsync(string source, string target, CancellationToken cancellationToken)
    {
        PrivateFiles.CreateFolder(target);
        var entries = new List<BackupFileEntry>();
        foreach (var path in RegularFiles(source))
        {
            var name = Path.GetRelativePath(source, path);
            var destination = Path.Combine(target, name);
            PrivateFiles.CreateFolder(Path.GetDirectoryName(destination)!);
            await using var input = PrivateFiles.OpenRead(path, ChunkSize);
            await using var output = PrivateFiles.Open(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkSize);
            var hashing = new HashingStream(output);
            await input.CopyToAsync(hashing, ChunkSize, cancellationToken).ConfigureAwait(false);
            await hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
            entries.Add(new BackupFileEntry(name.Replace(Path.DirectorySeparatorChar, '/'), hashing.BytesWritten, hashing.HexDigest()));
        }

        Posix.SyncDirectory(target);
        return entries;
    }

    /// <summary>
    /// Every file of an archive folder, in ordinal order, read without following links: a backup
    /// folder holds regular files and folders only, so a symbolic link (which could lead reads or
    /// copies out of the backup root), a FIFO or a device in it is refused.
    /// </summary>
    public static IReadOnlyList<string> RegularFiles(string folder)
    {
        var files = new List<string>();
        var pending = new Stack<string>([folder]);
        while (pending.TryPop(out var current))
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(current))
            {
                var kind = FileFacts.Read(entry)?.Kind;
                switch (kind)
                {
                    case FileKind.Regular:
                        files.Add(entry);
                        break;
                    case FileKind.Directory:
                        pending.Push(entry);
                        break;
                    case null:
                        break; // removed while listed
                    default:
                        throw new FrostException(ErrorIds.BackupArchiveUnreadable, FailureKind.InvalidData,
                            $"The backup folder {folder} holds {entry}, {FileFacts.Describe(kind.Value)}; a backup folder holds regular files only, so FrostGuard neither reads nor copies it.",
                            entry, "Do not use this backup: compare it with a copy (Test-FrostBackup), and find out who put that entry there.");
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static async Task<(long Size, string Sha256)> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = PrivateFiles.OpenRead(path, ChunkSize);
        using var sha = SHA256.Create();
        var digest = await sha.ComputeHashAsync(file, cancellationToken).ConfigureAwait(false);
        return (file.Length, Convert.ToHexString(digest).ToLowerInvariant());
    }
}
