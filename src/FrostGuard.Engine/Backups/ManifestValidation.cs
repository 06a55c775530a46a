using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// A manifest is untrusted input: anyone who can write a file into the backup root can write one.
/// Before FrostGuard reads, restores, copies or removes anything a manifest names, the manifest's
/// id must be a plain name and the name it is stored under, the files it names must be the names
/// that id gives (<c>&lt;id&gt;.dump[.zst]</c> or <c>&lt;id&gt;.dir</c>, and
/// <c>&lt;id&gt;.config.sealed</c>; FrostGuard has never written others), so no manifest can name
/// another backup's files, a lock or anything outside the folder, and what is there must be a
/// regular file or folder, never a symbolic link. A manifest dated in the future is refused too:
/// it would take the newest slots of retention from real backups.
/// </summary>
public static class ManifestValidation
{
    /// <summary>A name of one entry in one folder: not empty, not "." or "..", no '/', '\' or NUL, at most 255 bytes.</summary>
    public static bool IsPlainName(string? name) =>
        !string.IsNullOrEmpty(name) && name is not ("." or "..") && name.IndexOfAny(['/', '\\', '\0']) < 0
        && System.Text.Encoding.UTF8.GetByteCount(name) <= 255;

    /// <summary>A path inside an archive folder: plain names joined by '/', none of them "." or "..".</summary>
    public static bool IsRelativePath(string? path) =>
        !string.IsNullOrEmpty(path) && path.Split('/').All(part => IsPlainName(part));

    /// <summary>How far ahead of this host's clock a manifest's creation time may be (another host's clock may run ahead).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(10);

    /// <summary>The archive's name for a manifest's id and format: the only name FrostGuard writes.</summary>
    public static string ExpectedArchiveName(BackupManifest manifest) =>
        BackupVerifier.IsDirectory(manifest) ? DirectoryArchive.FolderName(manifest.Id)
        : manifest.Format == FrostBackupFormat.Physical ? BackupManifest.BaseArchiveName(manifest.Id)
        : BackupManifest.ArchiveName(manifest.Id, manifest.Compression);

    /// <summary>Everything wrong with a manifest read from <paramref name="manifestPath"/>; empty when FrostGuard may act on it.</summary>
    public static IReadOnlyList<string> Problems(BackupManifest manifest, string manifestPath, DateTimeOffset now)
    {
        var problems = new List<string>();
        var folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var storedAs = Path.GetFileName(manifestPath);
        if (!IsPlainName(manifest.Id))
        {
            problems.Add($"its id '{manifest.Id}' is not a plain name");
        }
        else if (storedAs != manifest.Id + BackupManifest.Extension)
        {
            problems.Add($"it claims the id '{manifest.Id}', but is stored as {storedAs} (the id of {manifest.Id + BackupManifest.Extension})");
        }

        CheckEntry(problems, folder, "file", manifest.File, ExpectedArchiveName(manifest), BackupVerifier.IsDirectory(manifest) ? FileKind.Directory : FileKind.Regular);
        if (manifest.Config is { } config)
        {
            CheckEntry(problems, folder, "config.file", config.File, ConfigArchive.DeploymentArchive.FileName(manifest.Id), FileKind.Regular);
        }

        if (manifest.Created > now + ClockSkew)
        {
            problems.Add($"it is dated {manifest.Created:u}, in the future");
        }

        if ((manifest.Format == FrostBackupFormat.Physical) != (manifest.Physical is not null))
        {
            problems.Add(manifest.Physical is null ? "it is a physical backup without its WAL range" : "it gives a WAL range but is not a physical backup");
        }
        else if (manifest.Physical is { } physical)
        {
            if (!Wal.Lsn.TryParse(physical.StartLsn, out _) || !Wal.Lsn.TryParse(physical.EndLsn, out _))
            {
                problems.Add($"its WAL range '{physical.StartLsn}'..'{physical.EndLsn}' is not two WAL locations");
            }

            if (Wal.WalFileName.Parse(physical.StartSegment) is not { Kind: Wal.WalFileKind.Segment })
            {
                problems.Add($"its start segment '{physical.StartSegment}' is not a WAL segment name");
            }

            // Without it, WAL of another cluster in the archive could not be told apart (and retention could prune it).
            if (!ulong.TryParse(physical.SystemIdentifier, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                problems.Add($"its system identifier '{physical.SystemIdentifier}' is not the number PostgreSQL gives a cluster");
            }

            if (physical.WalSegmentSize is < 1 << 20 or > 1 << 30 || (physical.WalSegmentSize & (physical.WalSegmentSize - 1)) != 0)
            {
                problems.Add($"its WAL segment size {physical.WalSegmentSize} is not a power of two between 1 MB and 1 GB");
            }
        }

        foreach (var name in (manifest.Files ?? []).Select(f => f.Name).Where(n => !IsRelativePath(n)))
        {
            problems.Add($"its file list names '{name}', which is not a path inside the archive folder");
        }

        return problems;
    }

    /// <summary>A name the manifest gives must be the one its id gives, and what is there must be of the expected kind (missing is not a problem here: the catalog reports it).</summary>
    private static void CheckEntry(List<string> problems, string folder, string key, string? name, string expectedName, FileKind expected)
    {
        if (!IsPlainName(name))
        {
            problems.Add($"its {key} '{name}' is not a plain file name in the backup folder");
            return;
        }

        if (name != expectedName)
        {
            problems.Add($"its {key} {name} is not {expectedName}, the name its id gives");
            return;
        }

        var facts = FileFacts.Read(Path.Combine(folder, name!));
        if (facts is not null && facts.Kind != expected)
        {
            problems.Add($"its {key} {name} is {FileFacts.Describe(facts.Kind)}, not {FileFacts.Describe(expected)}{(facts.Kind == FileKind.SymbolicLink ? " (FrostGuard follows no link out of a backup folder)" : "")}");
        }
    }
}
