using System.Formats.Tar;
using System.Security.Cryptography;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups.ConfigArchive;

/// <summary>What a backup's manifest records about its configuration archive.</summary>
public sealed record ConfigArchiveManifest
{
    /// <summary>The sealed file's name, in the manifest's folder.</summary>
    public required string File { get; init; }
    public required string Sha256 { get; init; }
    public long SizeBytes { get; init; }
    public ConfigKeyDerivation KeyDerivation { get; init; }
    /// <summary>The deployment directory it was taken from.</summary>
    public required string SourceDirectory { get; init; }
    /// <summary>Paths relative to the deployment directory; <see cref="DeploymentArchive.FrostGuardConfigEntry"/> is FrostGuard's own configuration.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}

/// <summary>
/// The deployment's configuration (compose files, .env, the files they mount, and FrostGuard's
/// own configuration file) as a tar archive, sealed with AES-GCM as it is written, for a full
/// server recovery. Modes and owners are kept: the sandbox's .env is 0600 and owned by the
/// application's user. Only regular files go in: links, FIFOs, sockets and devices are skipped
/// with a warning (a FIFO in the archive could not be restored, a link's target may not exist on
/// a new server), and the size of what goes in is checked before a byte is read.
/// </summary>
public static class DeploymentArchive
{
    public const string Extension = ".config.sealed";
    public const string FrostGuardConfigEntry = ".frostguard/frostguard.json";
    public const long MaximumBytes = 64L * 1024 * 1024;

    public static string FileName(string backupId) => backupId + Extension;

    /// <summary>Seals the deployment directory (without .git) into &lt;root&gt;/&lt;id&gt;.config.sealed (0600), synced.</summary>
    public static ConfigArchiveManifest Write(string root, string backupId, string deploymentDirectory, string frostGuardConfigPath, ConfigArchiveKey key, IFrostReporter reporter)
    {
        var directory = Path.GetFullPath(deploymentDirectory);
        if (!Directory.Exists(directory))
        {
            throw new FrostException(ErrorIds.BackupWriteFailed, FailureKind.NotFound,
                $"The deployment directory {directory} (project.directory in the configuration) does not exist; there is no configuration to archive.", directory,
                "Fix project.directory in the configuration, or back up without -IncludeConfig.");
        }

        var files = FilesToArchive(directory, reporter);
        // FrostGuard's configuration may be a link (to /etc/frostguard, say): what goes in is the file it leads to, as a regular entry.
        var configFile = FileFacts.Read(frostGuardConfigPath)?.Kind == FileKind.SymbolicLink
            ? new FileInfo(frostGuardConfigPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? frostGuardConfigPath
            : Path.GetFullPath(frostGuardConfigPath);
        if (FileFacts.Read(configFile) is not { Kind: FileKind.Regular } configFacts)
        {
            throw new FrostException(ErrorIds.BackupWriteFailed, FailureKind.InvalidData,
                $"FrostGuard's configuration {frostGuardConfigPath} does not lead to a regular file ({configFile}); the configuration archive needs it.", frostGuardConfigPath,
                "Point -ConfigPath at the configuration file itself.");
        }

        var configSize = configFacts.Size;
        var total = files.Sum(f => f.Size) + configSize;
        if (total > MaximumBytes)
        {
            var largest = files.OrderByDescending(f => f.Size).Take(3).Select(f => $"{f.Name} ({f.Size / 1048576.0:N1} MB)");
            throw TooLarge(directory, $"holds {total / 1048576.0:N1} MB of files (the largest: {string.Join(", ", largest)})");
        }

        var path = Path.Combine(root, FileName(backupId));
        var partial = path + ".partial";
        string sha256;
        long size;
        try
        {
            using (var file = PrivateFiles.Open(partial, FileMode.CreateNew))
            using (var hashing = new HashingStream(file))
            {
                using (var sealing = new SealingStream(hashing, key, backupId, leaveOpen: true))
                using (var writer = new TarWriter(sealing, TarEntryFormat.Pax, leaveOpen: true))
                {
                    long written = 0;
                    foreach (var entry in files.Append(new ArchivedFile(FrostGuardConfigEntry, configFile, configSize)))
                    {
                        // A file that grew since it was measured must not take the archive past the limit.
                        written += FileFacts.Read(entry.FullPath)?.Size ?? 0;
                        if (written > MaximumBytes)
                        {
                            throw TooLarge(directory, $"grew past the limit while it was archived ({entry.Name})");
                        }

                        writer.WriteEntry(entry.FullPath, entry.Name);
                    }
                }

                hashing.Flush();
                file.Flush(flushToDisk: true);
                sha256 = hashing.HexDigest();
                size = hashing.BytesWritten;
            }

            System.IO.File.Move(partial, path);
        }
        catch (IOException e)
        {
            System.IO.File.Delete(partial);
            throw BackupErrors.WriteFailed(path, e);
        }
        catch
        {
            System.IO.File.Delete(partial);
            throw;
        }

        var names = files.Select(f => f.Name).Append(FrostGuardConfigEntry).ToList();
        reporter.Verbose($"configuration of {directory}: {names.Count} files sealed with {key.Description} into {path}");
        return new ConfigArchiveManifest
        {
            File = Path.GetFileName(path),
            Sha256 = sha256,
            SizeBytes = size,
            KeyDerivation = key.Derivation,
            SourceDirectory = directory,
            Files = names,
        };
    }

    private sealed record ArchivedFile(string Name, string FullPath, long Size);

    /// <summary>The regular files of the deployment directory, in name order, read without following links.</summary>
    private static List<ArchivedFile> FilesToArchive(string directory, IFrostReporter reporter)
    {
        var files = new List<ArchivedFile>();
        var pending = new Stack<string>([directory]);
        while (pending.TryPop(out var folder))
        {
            foreach (var full in Directory.EnumerateFileSystemEntries(folder))
            {
                var name = Path.GetRelativePath(directory, full).Replace(Path.DirectorySeparatorChar, '/');
                var facts = FileFacts.Read(full);
                switch (facts?.Kind)
                {
                    case null:
                        break; // removed while listed
                    case FileKind.Directory:
                        if (name != ".git")
                        {
                            pending.Push(full);
                        }

                        break;
                    case FileKind.Regular when name == FrostGuardConfigEntry:
                        // A recovered deployment keeps its FrostGuard configuration here: it is archived once, as that entry.
                        reporter.Verbose($"{full} is archived as FrostGuard's own configuration, not twice");
                        break;
                    case FileKind.Regular:
                        files.Add(new ArchivedFile(name, full, facts.Size));
                        break;
                    case FileKind.SymbolicLink:
                        reporter.Warning($"Not archiving {full}: it is a symbolic link, and its target may not exist on a new server.");
                        break;
                    default:
                        reporter.Warning($"Not archiving {full}: it is {FileFacts.Describe(facts.Kind)}, not a file; a recovery could not restore it.");
                        break;
                }
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }

    private static FrostException TooLarge(string directory, string what) =>
        new(ErrorIds.BackupWriteFailed, FailureKind.InvalidData,
            $"The deployment directory {directory} {what}: more than the configuration archive's {MaximumBytes / 1048576} MB. The archive is for configuration, not data; nothing was written.", directory,
            "Move data out of the deployment directory (it belongs in volumes), or back up without -IncludeConfig.");

    /// <summary>Checks the sealed file against its manifest entry, opens it, and extracts it into an empty <paramref name="target"/> with modes and owners.</summary>
    public static IReadOnlyList<string> Extract(string root, string backupId, ConfigArchiveManifest manifest, ConfigArchiveKey key, string target)
    {
        var path = Path.Combine(root, manifest.File);
        FileStream sealedFile;
        try
        {
            sealedFile = PrivateFiles.OpenRead(path);
        }
        catch (IOException e)
        {
            throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound, $"The configuration archive {path} of backup {backupId} cannot be read: {e.Message}", path,
                "Copy-FrostBackup copies it with the backup; check the offsite copy.", e);
        }

        using (sealedFile)
        {
            var actual = Convert.ToHexString(SHA256.HashData(sealedFile)).ToLowerInvariant();
            if (actual != manifest.Sha256)
            {
                throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                    $"The configuration archive {path} does not match its manifest (SHA-256 {actual}, expected {manifest.Sha256}): it was changed or damaged.", path,
                    "Use another backup taken with -IncludeConfig (Get-FrostBackup | Where-Object IncludesConfig).");
            }

            using var plaintext = SealedFile.OpenRead(sealedFile, key, backupId, path);
            using var reader = new TarReader(plaintext);
            var extracted = new List<string>();
            var fullTarget = Path.GetFullPath(target);
            while (reader.GetNextEntry() is { } entry)
            {
                var destination = Path.GetFullPath(Path.Combine(fullTarget, entry.Name));
                if (!destination.StartsWith(fullTarget + Path.DirectorySeparatorChar, StringComparison.Ordinal) || entry.EntryType != TarEntryType.RegularFile
                    || extracted.Contains(entry.Name, StringComparer.Ordinal))
                {
                    throw new FrostException(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData, $"The configuration archive {path} holds an entry it should not: {entry.Name} ({entry.EntryType}).", path,
                        "Do not restore from this archive; use another backup.");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                entry.ExtractToFile(destination, overwrite: false);
                if (Posix.EffectiveUserId == 0)
                {
                    Posix.Chown(destination, entry.Uid, entry.Gid); // only root may give files away; anyone else keeps them
                }

                extracted.Add(entry.Name);
            }

            return extracted;
        }
    }
}
