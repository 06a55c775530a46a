namespace FrostGuard.Engine.Backups.Physical;

/// <summary>A base backup's archive read back: it decompresses and parses to its end, and holds what a data folder to recover from must.</summary>
public static class BaseBackupArchive
{
    /// <summary>The files without which PostgreSQL cannot start recovery from the copy.</summary>
    public static readonly IReadOnlyList<string> Required = ["backup_label", "backup_manifest", "PG_VERSION", "global/pg_control"];

    /// <summary>Returns the number of entries; fails with BackupArchiveUnreadable when the archive is damaged or incomplete.</summary>
    public static async Task<int> VerifyAsync(string path, BackupManifest manifest, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> names;
        try
        {
            names = await DataFolderArchive.ListAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or ZstdSharp.ZstdException)
        {
            throw Unreadable(manifest, path, e.Message, e);
        }

        var held = names.Select(n => n.TrimStart('.', '/').TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var missing = Required.Where(r => !held.Contains(r)).ToList();
        if (missing.Count > 0)
        {
            throw Unreadable(manifest, path, $"it has no {string.Join(", ", missing)}", null);
        }

        return names.Count;
    }

    private static FrostException Unreadable(BackupManifest manifest, string path, string why, Exception? inner) =>
        new(ErrorIds.BackupArchiveUnreadable, FailureKind.InvalidData,
            $"The base backup {manifest.Id} ({path}) cannot be read back: {why}.", manifest.Id,
            "Do not recover from this base backup; take a new one with Invoke-FrostBackup -Physical.", inner);
}
