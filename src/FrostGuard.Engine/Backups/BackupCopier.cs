using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Copy-FrostBackup: the archive copied to <c>.partial</c> with its SHA-256 computed on the
/// way, synced, compared with the manifest; then the manifest copied last and both renamed. A
/// copy that does not match is removed and reported.
/// </summary>
public static class BackupCopier
{
    public static async Task<FrostBackup> CopyAsync(FrostBackup backup, string destination, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var manifest = BackupCatalog.Load(backup);
        try
        {
            Directory.CreateDirectory(destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BackupErrors.NotWritable(destination, e);
        }

        using var copyLock = BackupLock.Acquire(destination, "copy of " + backup.Id);
        var archive = Path.Combine(destination, manifest.File);
        var manifestPath = BackupManifest.PathFor(destination, manifest.Id);
        if (File.Exists(manifestPath))
        {
            throw new FrostException(ErrorIds.BackupAlreadyExists, FailureKind.OperationFailed,
                $"{destination} already holds backup {manifest.Id} ({manifestPath}); nothing was copied.", destination,
                $"Test the existing copy with Get-FrostBackup -Path {destination} -Id {manifest.Id} | Test-FrostBackup, or remove it first.");
        }

        if (BackupVerifier.IsDirectory(manifest))
        {
            await CopyFolderAsync(backup, manifest, archive, manifestPath, destination, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"copied backup {manifest.Id} ({manifest.Files?.Count ?? 0} files) to {destination}; SHA-256 of every file verified");
            return manifest.ToBackup(destination);
        }

        var partial = archive + ".partial";
        try
        {
            string sha;
            await using (var source = new FileStream(backup.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan))
            await using (var target = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                var hashing = new HashingStream(target);
                await source.CopyToAsync(hashing, 1 << 20, cancellationToken).ConfigureAwait(false);
                await hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
                target.Flush(flushToDisk: true);
                sha = hashing.HexDigest();
            }

            if (!string.Equals(sha, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                    $"The copy of backup {manifest.Id} to {destination} does not match its manifest (SHA-256 {sha}, expected {manifest.Sha256}); the copy was removed. The source {backup.Path} may be damaged.", manifest.Id,
                    $"Run Test-FrostBackup on {manifest.Id}; copy another backup.");
            }

            File.Move(partial, archive);
            if (manifest.Config is { } sealedConfig)
            {
                CopySealedConfig(Path.Combine(Path.GetDirectoryName(backup.ManifestPath)!, sealedConfig.File), Path.Combine(destination, sealedConfig.File), sealedConfig.Sha256);
            }

            manifest.Write(manifestPath);
            Posix.SyncDirectory(destination);
        }
        catch (IOException e)
        {
            File.Delete(partial);
            throw BackupErrors.WriteFailed(archive, e);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        reporter.Verbose($"copied backup {manifest.Id} to {destination}; SHA-256 verified");
        return manifest.ToBackup(destination);
    }

    /// <summary>The sealed configuration archive is kilobytes: read, checked, written and synced in one go.</summary>
    private static void CopySealedConfig(string source, string target, string expectedSha256)
    {
        var bytes = File.ReadAllBytes(source);
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
        if (!string.Equals(sha, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                $"The configuration archive {source} does not match its manifest (SHA-256 {sha}, expected {expectedSha256}); nothing was copied.", source,
                "Run Test-FrostBackup on this backup; copy another one.");
        }

        using var stream = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>A directory archive: every file copied into <c>&lt;folder&gt;.partial</c> with its SHA-256, compared with the manifest's list, then renamed; the manifest last.</summary>
    private static async Task CopyFolderAsync(FrostBackup backup, BackupManifest manifest, string folder, string manifestPath, string destination, CancellationToken cancellationToken)
    {
        var partial = folder + ".partial";
        try
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true); // left by a copy that died; this one holds the lock
            }

            var copied = await DirectoryArchive.CopyAsync(backup.Path, partial, cancellationToken).ConfigureAwait(false);
            var differences = DirectoryArchive.Compare(manifest.Files ?? [], copied);
            if (differences.Count > 0 || !string.Equals(DirectoryArchive.ListDigest(copied), manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                    $"The copy of backup {manifest.Id} to {destination} does not match its manifest ({string.Join("; ", differences.DefaultIfEmpty("the file list's SHA-256 differs").Take(5))}); the copy was removed. The source {backup.Path} may be damaged.", manifest.Id,
                    $"Run Test-FrostBackup on {manifest.Id}; copy another backup.");
            }

            Directory.Move(partial, folder);
            if (manifest.Config is { } sealedConfig)
            {
                CopySealedConfig(Path.Combine(Path.GetDirectoryName(backup.ManifestPath)!, sealedConfig.File), Path.Combine(destination, sealedConfig.File), sealedConfig.Sha256);
            }

            manifest.Write(manifestPath);
            Posix.SyncDirectory(destination);
        }
        catch (IOException e)
        {
            DeleteFolder(partial);
            throw BackupErrors.WriteFailed(folder, e);
        }
        catch
        {
            DeleteFolder(partial);
            throw;
        }
    }

    private static void DeleteFolder(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
