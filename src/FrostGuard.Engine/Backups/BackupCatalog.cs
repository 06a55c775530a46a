using System.Text.Json;
using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// The backups in a backup root, read from their manifests, newest first. A file without a
/// manifest is not a backup; a manifest whose archive is missing is reported and skipped.
/// </summary>
public sealed class BackupCatalog
{
    public BackupCatalog(string root) => Root = root;

    public string Root { get; }

    public IReadOnlyList<(BackupManifest Manifest, FrostBackup Backup)> List(IFrostReporter reporter)
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var found = new List<(BackupManifest, FrostBackup)>();
        foreach (var path in Directory.EnumerateFiles(Root, "*" + BackupManifest.Extension))
        {
            BackupManifest manifest;
            try
            {
                manifest = BackupManifest.Read(path);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                reporter.Warning($"Skipping {path}: not a readable FrostGuard manifest ({e.Message}).");
                continue;
            }

            var backup = manifest.ToBackup(Root);
            if (!(BackupVerifier.IsDirectory(manifest) ? Directory.Exists(backup.Path) : File.Exists(backup.Path)))
            {
                reporter.Warning($"Skipping backup {manifest.Id}: its archive {backup.Path} is missing.");
                continue;
            }

            found.Add((manifest, backup));
        }

        return found.OrderByDescending(f => f.Item1.Created).ThenByDescending(f => f.Item1.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The manifest behind a backup object (re-read, so a tampered or removed one is noticed).</summary>
    public static BackupManifest Load(FrostBackup backup)
    {
        try
        {
            return BackupManifest.Read(backup.ManifestPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
                $"Backup {backup.Id} has no manifest at {backup.ManifestPath} any more.", backup.Id,
                "Get-FrostBackup lists the backups that exist.", e);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData,
                $"The manifest {backup.ManifestPath} of backup {backup.Id} cannot be read: {e.Message}", backup.Id,
                "Use another backup (Get-FrostBackup).", e);
        }
    }
}
