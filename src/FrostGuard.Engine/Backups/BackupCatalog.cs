using System.Text.Json;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// One backup of the catalog: its manifest, the backup as users see it, and the other backups
/// whose manifests name one of its files too (a manifest is untrusted, so two can). A backup that
/// shares a file is listed and can be restored, but nothing removes it until that is resolved.
/// </summary>
public sealed record CatalogEntry(BackupManifest Manifest, FrostBackup Backup)
{
    public IReadOnlyList<string> SharesFilesWith { get; init; } = [];
}

/// <summary>
/// The backups in a backup root, read from their manifests, newest first. A file without a
/// manifest is not a backup; a manifest that breaks the rules of <see cref="ManifestValidation"/>
/// or whose archive is missing is reported and skipped.
/// </summary>
public sealed class BackupCatalog
{
    private readonly TimeProvider _clock;

    public BackupCatalog(string root, TimeProvider? clock = null)
    {
        Root = root;
        _clock = clock ?? TimeProvider.System;
    }

    public string Root { get; }

    /// <param name="withRecoverableRange">
    /// Whether base backups get their reach from the WAL archive (every segment's header is read):
    /// what Get-FrostBackup shows. Callers that need only ids, dates and files (completion, health,
    /// removal, planning with a scan of their own) pass false.
    /// </param>
    public IReadOnlyList<CatalogEntry> List(IFrostReporter reporter, bool withRecoverableRange = true)
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        foreach (var interrupted in BackupIntent.Describe(Root))
        {
            reporter.Warning(interrupted);
        }

        var found = new List<CatalogEntry>();
        var refusedClaims = new List<(string Id, string File)>();
        foreach (var path in Directory.EnumerateFiles(Root, "*" + BackupManifest.Extension).Order(StringComparer.Ordinal))
        {
            if (FileFacts.Read(path) is not { Kind: FileKind.Regular })
            {
                reporter.Warning($"Skipping {path}: a manifest is a regular file of the backup folder, and this is not one (a link is not followed).");
                continue;
            }

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

            var problems = ManifestValidation.Problems(manifest, path, _clock.GetUtcNow());
            if (problems.Count > 0)
            {
                reporter.Warning($"Skipping {path}: {string.Join("; ", problems)}. FrostGuard does not list, restore or remove what it names; fix or move that manifest.");
                refusedClaims.AddRange(FilesOf(manifest).Where(ManifestValidation.IsPlainName).Select(file => ($"{Path.GetFileName(path)} (not valid)", file)));
                continue;
            }

            var backup = manifest.ToBackup(Root);
            if (!(BackupVerifier.IsDirectory(manifest) ? Directory.Exists(backup.Path) : File.Exists(backup.Path)))
            {
                reporter.Warning($"Skipping backup {manifest.Id}: its archive {backup.Path} is missing.");
                continue;
            }

            found.Add(new CatalogEntry(manifest, backup));
        }

        if (withRecoverableRange)
        {
            WithRecoverableRange(found);
        }

        return MarkShared(found, refusedClaims, reporter)
            .OrderByDescending(f => f.Manifest.Created).ThenByDescending(f => f.Manifest.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Base backups reach as far as the WAL archive of their cluster in this root (&lt;root&gt;/wal/&lt;project&gt;) goes without a gap.</summary>
    private void WithRecoverableRange(List<CatalogEntry> entries)
    {
        var scans = new Dictionary<string, Wal.WalArchiveScan>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Manifest.Physical is not null))
        {
            var physical = entry.Manifest.Physical!;
            if (Wal.RecoverableRange.ProjectOf(entry.Manifest.Database) is not { } project || !ManifestValidation.IsPlainName(project))
            {
                entry.Backup.RecoverableTo = physical.EndTime;
                continue;
            }

            if (!scans.TryGetValue(project, out var scan))
            {
                scans[project] = scan = Wal.WalArchiveFolder.Scan(Wal.WalArchiveFolder.PathFor(Root, project), physical.WalSegmentSize);
            }

            entry.Backup.RecoverableTo = Wal.RecoverableRange.To(physical, scan);
        }
    }

    /// <summary>
    /// Two manifests that name one file (or claim one id) are both reported, and the valid ones
    /// among them kept from removal: even a manifest that is not valid may be the one that tells
    /// the truth about a file.
    /// </summary>
    private static IEnumerable<CatalogEntry> MarkShared(List<CatalogEntry> entries, List<(string Id, string File)> refusedClaims, IFrostReporter reporter)
    {
        var claims = entries
            .SelectMany(e => FilesOf(e.Manifest).Select(file => (Key: "file " + file, e.Manifest.Id)).Append((Key: "id " + e.Manifest.Id, e.Manifest.Id)))
            .Concat(refusedClaims.Select(c => (Key: "file " + c.File, c.Id)))
            .GroupBy(c => c.Key, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .ToList();
        var sharing = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var claim in claims)
        {
            var ids = claim.Select(c => c.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            reporter.Warning($"Backups {string.Join(" and ", ids)} name the same {claim.Key}; neither is removed by retention or Remove-FrostBackup until one manifest is fixed or moved.");
            foreach (var id in ids)
            {
                if (!sharing.TryGetValue(id, out var others))
                {
                    sharing[id] = others = new HashSet<string>(StringComparer.Ordinal);
                }

                others.UnionWith(ids.Where(other => other != id).DefaultIfEmpty(id));
            }
        }

        return entries.Select(e => sharing.TryGetValue(e.Manifest.Id, out var others) ? e with { SharesFilesWith = others.Order(StringComparer.Ordinal).ToList() } : e);
    }

    /// <summary>Every file name any readable manifest of the root names, valid or not: what an intent's clean-up never removes.</summary>
    public IReadOnlySet<string> ClaimedFiles()
    {
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(Root, "*" + BackupManifest.Extension))
        {
            try
            {
                if (FileFacts.Read(path) is { Kind: FileKind.Regular })
                {
                    claimed.UnionWith(FilesOf(BackupManifest.Read(path)));
                }
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                // not a manifest: it claims nothing
            }
        }

        return claimed;
    }

    private static IEnumerable<string> FilesOf(BackupManifest manifest) =>
        manifest.Config is { } config ? [manifest.File, config.File] : [manifest.File];

    /// <summary>
    /// The manifest behind a backup object, read again and checked again (a manifest changed or
    /// removed since the object was listed is noticed), with the archive it names where the
    /// object says it is.
    /// </summary>
    public static BackupManifest Load(FrostBackup backup)
    {
        BackupManifest manifest;
        try
        {
            manifest = BackupManifest.Read(backup.ManifestPath);
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

        var problems = ManifestValidation.Problems(manifest, backup.ManifestPath, TimeProvider.System.GetUtcNow()).ToList();
        var folder = Path.GetDirectoryName(backup.ManifestPath)!;
        if (problems.Count == 0 && (manifest.Id != backup.Id || Path.Combine(folder, manifest.File) != backup.Path))
        {
            problems.Add($"it now describes backup {manifest.Id} with the archive {manifest.File}, not what was listed ({backup.Id}, {backup.Path})");
        }

        if (problems.Count > 0)
        {
            throw new FrostException(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData,
                $"The manifest {backup.ManifestPath} of backup {backup.Id} is not one FrostGuard acts on: {string.Join("; ", problems)}.", backup.Id,
                "Use another backup (Get-FrostBackup lists the valid ones), and find out who wrote this manifest.");
        }

        return manifest;
    }
}
