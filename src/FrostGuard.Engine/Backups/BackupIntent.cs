using System.Text.Json;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// A backup being made, copied in or removed: <c>&lt;id&gt;.intent</c> in the backup root, written
/// (0600, synced with the folder) before the first of its files takes its final name, dropped
/// once the manifest is written (or removed). A process killed in between leaves it, and the next
/// backup, copy or removal in the root, holding the backup lock, finishes or undoes the work:
/// only files whose names derive from the id, and that no manifest names, are ever removed, so a
/// planted intent can make FrostGuard remove nothing but a backup's own unlisted files.
/// </summary>
public sealed record BackupIntent
{
    public const string Create = "create";
    public const string Copy = "copy";
    public const string Remove = "remove";
    public const string Extension = ".intent";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public required string Operation { get; init; }
    public required string Owner { get; init; }
    public required DateTimeOffset Started { get; init; }

    public static string PathFor(string root, string id) => Path.Combine(root, id + Extension);

    /// <summary>Writes the intent for <paramref name="id"/> durably.</summary>
    public static void Begin(string root, string id, string operation) =>
        AtomicFile.Write(PathFor(root, id), JsonSerializer.Serialize(new BackupIntent { Operation = operation, Owner = ProcessIdentity.Current, Started = DateTimeOffset.UtcNow }, Json), PrivateFiles.FileMode);

    /// <summary>The work is done (or undone): the intent goes, durably.</summary>
    public static void End(string root, string id)
    {
        File.Delete(PathFor(root, id));
        Durable.Sync(root);
    }

    /// <summary>
    /// The end of a new backup: <paramref name="placeFiles"/> gives its files their final names,
    /// then the manifest is written (the commit point: from here the backup exists) and the intent
    /// goes. A write that fails takes the manifest back, so the caller's clean-up removes the files.
    /// </summary>
    public static void Commit(string root, BackupManifest manifest, string final, Action placeFiles)
    {
        var manifestPath = BackupManifest.PathFor(root, manifest.Id);
        try
        {
            placeFiles();
            CrashPoints.Commit(CrashPoints.BackupFilesPlaced, final);
            manifest.Write(manifestPath);
            CrashPoints.Commit(CrashPoints.BackupCommitted, manifestPath);
            End(root, manifest.Id);
        }
        catch (IOException e)
        {
            File.Delete(manifestPath);
            throw BackupErrors.WriteFailed(final, e);
        }
    }

    /// <summary>A backup or copy that failed before its manifest: whatever of its files is left goes, then its intent.</summary>
    public static void Abandon(string root, string id)
    {
        if (!File.Exists(BackupManifest.PathFor(root, id)))
        {
            RemoveFiles(root, id, new BackupCatalog(root).ClaimedFiles());
        }

        End(root, id);
    }

    /// <summary>Names the interrupted work in a root, for Get-FrostBackup's warnings; nothing is changed.</summary>
    public static IEnumerable<string> Describe(string root)
    {
        foreach (var (id, intent) in Read(root, NullReporter.Instance))
        {
            if (!ProcessIdentity.IsAlive(intent.Owner))
            {
                yield return $"The {intent.Operation} of backup {id} in {root}, started {intent.Started:u} by PID {ProcessIdentity.PidOf(intent.Owner)}, was interrupted ({PathFor(root, id)}); the next backup, copy or removal in {root} finishes or undoes it.";
            }
        }
    }

    /// <summary>
    /// Finishes or undoes every intent in the root. The caller holds the backup lock, so no live
    /// process is behind any of them.
    /// </summary>
    public static void Resolve(string root, IFrostReporter reporter)
    {
        var intents = Read(root, reporter);
        if (intents.Count == 0)
        {
            return;
        }

        var claimed = new BackupCatalog(root).ClaimedFiles();
        foreach (var (id, intent) in intents)
        {
            var committed = File.Exists(BackupManifest.PathFor(root, id));
            var what = $"The {intent.Operation} of backup {id}, started {intent.Started:u} by PID {ProcessIdentity.PidOf(intent.Owner)}, was interrupted";
            switch (intent.Operation, committed)
            {
                case (Remove, true):
                    reporter.Warning($"{what} before it removed anything; backup {id} is kept (undone).");
                    break;
                case (Remove, false):
                    reporter.Warning($"{what} after its manifest was removed; its files are removed now (finished): {Listed(RemoveFiles(root, id, claimed))}.");
                    break;
                case (Create or Copy, true):
                    reporter.Warning($"{what} after its manifest was written; backup {id} is complete (finished).");
                    break;
                case (Create or Copy, false):
                    reporter.Warning($"{what} before its manifest was written, so it never was a backup; its files are removed (undone): {Listed(RemoveFiles(root, id, claimed))}.");
                    break;
                default:
                    reporter.Warning($"Skipping {PathFor(root, id)}: '{intent.Operation}' is not an operation FrostGuard writes; move it out of {root}.");
                    continue;
            }

            End(root, id);
        }
    }

    private static string Listed(IReadOnlyList<string> removed) => removed.Count == 0 ? "none was left" : string.Join(", ", removed);

    /// <summary>The files a backup of this id can have, except those a manifest names.</summary>
    private static IReadOnlyList<string> RemoveFiles(string root, string id, IReadOnlySet<string> claimed)
    {
        var removed = new List<string>();
        foreach (var name in new[]
                 {
                     BackupManifest.ArchiveName(id, FrostBackupCompression.Gzip), BackupManifest.ArchiveName(id, FrostBackupCompression.Zstd),
                     DirectoryArchive.FolderName(id), ConfigArchive.DeploymentArchive.FileName(id), BackupManifest.BaseArchiveName(id),
                 }.Where(n => !claimed.Contains(n)))
        {
            var path = Path.Combine(root, name);
            switch (FileFacts.Read(path)?.Kind)
            {
                case null:
                    continue;
                case FileKind.Directory:
                    Directory.Delete(path, recursive: true); // links inside are removed, not followed
                    break;
                default:
                    File.Delete(path);
                    break;
            }

            removed.Add(name);
        }

        return removed;
    }

    private static IReadOnlyList<(string Id, BackupIntent Intent)> Read(string root, IFrostReporter reporter)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var intents = new List<(string, BackupIntent)>();
        foreach (var path in Directory.EnumerateFiles(root, "*" + Extension).Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileName(path)[..^Extension.Length];
            try
            {
                if (FileFacts.Read(path) is { Kind: FileKind.Regular } && ManifestValidation.IsPlainName(id)
                    && JsonSerializer.Deserialize<BackupIntent>(File.ReadAllText(path), Json) is { } intent)
                {
                    intents.Add((id, intent));
                    continue;
                }
            }
            catch (JsonException)
            {
                // reported below
            }

            reporter.Warning($"Skipping {path}: not an intent FrostGuard wrote (a regular file of JSON for a plain backup id); move it out of {root}.");
        }

        return intents;
    }
}
