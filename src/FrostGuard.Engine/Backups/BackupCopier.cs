using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

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
            PrivateFiles.CreateFolder(destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BackupErrors.NotWritable(destination, e);
        }

        using var copyLock = BackupLock.Acquire(destination, "copy of " + backup.Id);
        BackupIntent.Resolve(destination, reporter);
        var archive = Path.Combine(destination, manifest.File);
        var manifestPath = BackupManifest.PathFor(destination, manifest.Id);
        if (File.Exists(manifestPath))
        {
            throw new FrostException(ErrorIds.BackupAlreadyExists, FailureKind.OperationFailed,
                $"{destination} already holds backup {manifest.Id} ({manifestPath}); nothing was copied.", destination,
                $"Test the existing copy with Get-FrostBackup -Path {destination} -Id {manifest.Id} | Test-FrostBackup, or remove it first.");
        }

        BackupIntent.Begin(destination, manifest.Id, BackupIntent.Copy);
        if (BackupVerifier.IsDirectory(manifest))
        {
            await CopyFolderAsync(backup, manifest, archive, manifestPath, destination, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"copied backup {manifest.Id} ({manifest.Files?.Count ?? 0} files) to {destination}; SHA-256 of every file verified");
            return manifest.ToBackup(destination);
        }

        var partial = archive + ".partial";
        var written = new List<string>(); // what this copy put in place before its manifest: removed again if it fails
        try
        {
            string sha;
            await using (var source = PrivateFiles.OpenRead(backup.Path, 1 << 20))
            await using (var target = PrivateFiles.Open(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
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
            written.Add(archive);
            if (manifest.Config is { } sealedConfig)
            {
                var configCopy = Path.Combine(destination, sealedConfig.File);
                CopySealedConfig(Path.Combine(Path.GetDirectoryName(backup.ManifestPath)!, sealedConfig.File), configCopy, sealedConfig.Sha256);
                written.Add(configCopy);
            }

            CrashPoints.Commit(CrashPoints.CopyFilesPlaced, [.. written]);
            manifest.Write(manifestPath);
            written.Clear(); // the commit point: from here the copy exists
            CrashPoints.Commit(CrashPoints.CopyCommitted, manifestPath);
            BackupIntent.End(destination, manifest.Id);
        }
        catch (IOException e)
        {
            File.Delete(partial);
            written.ForEach(File.Delete);
            BackupIntent.Abandon(destination, manifest.Id);
            throw BackupErrors.WriteFailed(archive, e);
        }
        catch
        {
            File.Delete(partial);
            written.ForEach(File.Delete);
            BackupIntent.Abandon(destination, manifest.Id);
            throw;
        }

        reporter.Verbose($"copied backup {manifest.Id} to {destination}; SHA-256 verified");
        return manifest.ToBackup(destination);
    }

    /// <summary>The sealed configuration archive: copied with its SHA-256 computed on the way, synced, and removed again unless it matches.</summary>
    private static void CopySealedConfig(string source, string target, string expectedSha256)
    {
        string sha;
        using (var input = PrivateFiles.OpenRead(source))
        using (var output = PrivateFiles.Open(target, FileMode.CreateNew))
        using (var hashing = new HashingStream(output))
        {
            input.CopyTo(hashing);
            hashing.Flush();
            output.Flush(flushToDisk: true);
            sha = hashing.HexDigest();
        }

        if (!string.Equals(sha, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(target);
            throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                $"The configuration archive {source} does not match its manifest (SHA-256 {sha}, expected {expectedSha256}); nothing was copied.", source,
                "Run Test-FrostBackup on this backup; copy another one.");
        }
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

            CrashPoints.Commit(CrashPoints.CopyFilesPlaced, folder);
            manifest.Write(manifestPath);
            CrashPoints.Commit(CrashPoints.CopyCommitted, manifestPath);
            BackupIntent.End(destination, manifest.Id);
        }
        catch (IOException e)
        {
            DeleteFolder(partial);
            BackupIntent.Abandon(destination, manifest.Id);
            throw BackupErrors.WriteFailed(folder, e);
        }
        catch
        {
            DeleteFolder(partial);
            BackupIntent.Abandon(destination, manifest.Id);
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
