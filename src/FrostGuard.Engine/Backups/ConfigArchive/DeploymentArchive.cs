using System.Formats.Tar;
using System.Security.Cryptography;
using FrostGuard.Engine.Reporting;

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
/// own configuration file) as a tar archive, sealed with AES-GCM, for a full server recovery.
/// Modes and owners are kept: the sandbox's .env is 0600 and owned by the application's user.
/// </summary>
public static class DeploymentArchive
{
    public const string Extension = ".config.sealed";
    public const string FrostGuardConfigEntry = ".frostguard/frostguard.json";
    private const long MaximumBytes = 64L * 1024 * 1024;

    public static string FileName(string backupId) => backupId + Extension;

    /// <summary>Seals the deployment directory (without .git) into &lt;root&gt;/&lt;id&gt;.config.sealed, synced.</summary>
    public static ConfigArchiveManifest Write(string root, string backupId, string deploymentDirectory, string frostGuardConfigPath, ConfigArchiveKey key, IFrostReporter reporter)
    {
        var directory = Path.GetFullPath(deploymentDirectory);
        if (!Directory.Exists(directory))
        {
            throw new FrostException(ErrorIds.BackupWriteFailed, FailureKind.NotFound,
                $"The deployment directory {directory} (project.directory in the configuration) does not exist; there is no configuration to archive.", directory,
                "Fix project.directory in the configuration, or back up without -IncludeConfig.");
        }

        var files = new List<string>();
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                         .Select(f => Path.GetRelativePath(directory, f))
                         .Where(f => f != ".git" && !f.StartsWith(".git/", StringComparison.Ordinal))
                         .Order(StringComparer.Ordinal))
            {
                var full = Path.Combine(directory, file);
                if (new FileInfo(full).LinkTarget is not null)
                {
                    reporter.Warning($"Not archiving {full}: it is a symbolic link, and its target may not exist on a new server.");
                    continue;
                }

                writer.WriteEntry(full, file);
                files.Add(file);
                if (tar.Length > MaximumBytes)
                {
                    throw new FrostException(ErrorIds.BackupWriteFailed, FailureKind.InvalidData,
                        $"The deployment directory {directory} holds more than {MaximumBytes / 1048576} MB of files; the configuration archive is for configuration, not data.", directory,
                        "Move data out of the deployment directory (it belongs in volumes), or back up without -IncludeConfig.");
                }
            }

            writer.WriteEntry(frostGuardConfigPath, FrostGuardConfigEntry);
            files.Add(FrostGuardConfigEntry);
        }

        var sealedBytes = SealedFile.Seal(tar.GetBuffer().AsSpan(0, (int)tar.Length), key, backupId);
        CryptographicOperations.ZeroMemory(tar.GetBuffer());
        var path = Path.Combine(root, FileName(backupId));
        var partial = path + ".partial";
        try
        {
            using (var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(sealedBytes);
                stream.Flush(flushToDisk: true);
            }

            System.IO.File.Move(partial, path);
        }
        catch (IOException e)
        {
            System.IO.File.Delete(partial);
            throw BackupErrors.WriteFailed(path, e);
        }

        reporter.Verbose($"configuration of {directory}: {files.Count} files sealed with {key.Description} into {path}");
        return new ConfigArchiveManifest
        {
            File = Path.GetFileName(path),
            Sha256 = Convert.ToHexString(SHA256.HashData(sealedBytes)).ToLowerInvariant(),
            SizeBytes = sealedBytes.Length,
            KeyDerivation = key.Derivation,
            SourceDirectory = directory,
            Files = files,
        };
    }

    /// <summary>Checks the sealed file against its manifest entry, opens it, and extracts it into an empty <paramref name="target"/> with modes and owners.</summary>
    public static IReadOnlyList<string> Extract(string root, string backupId, ConfigArchiveManifest manifest, ConfigArchiveKey key, string target)
    {
        var path = Path.Combine(root, manifest.File);
        byte[] sealedBytes;
        try
        {
            sealedBytes = System.IO.File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound, $"The configuration archive {path} of backup {backupId} cannot be read: {e.Message}", path,
                "Copy-FrostBackup copies it with the backup; check the offsite copy.", e);
        }

        var actual = Convert.ToHexString(SHA256.HashData(sealedBytes)).ToLowerInvariant();
        if (actual != manifest.Sha256)
        {
            throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                $"The configuration archive {path} does not match its manifest (SHA-256 {actual}, expected {manifest.Sha256}): it was changed or damaged.", path,
                "Use another backup taken with -IncludeConfig (Get-FrostBackup | Where-Object IncludesConfig).");
        }

        var plaintext = SealedFile.Open(sealedBytes, key, backupId, path);
        var extracted = new List<string>();
        try
        {
            using var tar = new MemoryStream(plaintext);
            using var reader = new TarReader(tar);
            while (reader.GetNextEntry() is { } entry)
            {
                var destination = Path.GetFullPath(Path.Combine(target, entry.Name));
                if (!destination.StartsWith(Path.GetFullPath(target) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || entry.EntryType != TarEntryType.RegularFile)
                {
                    throw new FrostException(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData, $"The configuration archive {path} holds an entry it should not: {entry.Name}.", path,
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
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return extracted;
    }
}
