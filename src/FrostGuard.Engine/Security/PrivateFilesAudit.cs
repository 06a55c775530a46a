using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Security;

/// <summary>
/// Test-FrostSecurity's PrivateFiles check: the backup root and the state folder (run journals,
/// step outputs, release records, locks) hold copies of the database and what steps printed, so
/// no other local user may read them. A file that others can read is Critical; a folder that
/// others can enter or list (the files in it may still be private) is a Warning. Links are not
/// followed: what a link points at is not FrostGuard's.
/// </summary>
public static class PrivateFilesAudit
{
    public const string CheckName = "PrivateFiles";
    private const int Examples = 5;

    public static FrostSecurityFinding Audit(string what, string root)
    {
        // The root may be a link the operator made (/var/backups/frostguard -> /srv/...): judge where it leads.
        if (FileFacts.Read(root)?.Kind == FileKind.SymbolicLink)
        {
            root = new DirectoryInfo(root).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? root;
        }

        var facts = FileFacts.Read(root);
        if (facts is null)
        {
            return Finding(root, HealthStatus.Ok, $"The {what} {root} does not exist yet; FrostGuard creates it 0700.");
        }

        var openFiles = new List<string>();
        var openFolders = new List<string>();
        var unreadable = new List<string>();
        var files = 0;
        var pending = new Stack<(string Path, FileFacts Facts)>([(root, facts)]);
        while (pending.TryPop(out var current))
        {
            if (current.Facts.OthersMayRead)
            {
                openFolders.Add(current.Path);
            }

            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(current.Path).ToList();
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                unreadable.Add(current.Path); // another user's folder (a dump job's, say): judged by its own mode above
                continue;
            }

            foreach (var entry in entries)
            {
                switch (FileFacts.Read(entry))
                {
                    case { Kind: FileKind.Directory } folder:
                        pending.Push((entry, folder));
                        break;
                    case { Kind: FileKind.Regular } file:
                        files++;
                        if (file.OthersMayRead)
                        {
                            openFiles.Add(entry);
                        }

                        break;
                }
            }
        }

        var counts = new Dictionary<string, int> { ["files"] = files, ["readableFiles"] = openFiles.Count, ["openFolders"] = openFolders.Count, ["unreadableFolders"] = unreadable.Count };
        var notRead = unreadable.Count == 0 ? "" : $" {unreadable.Count} folders could not be read by this user ({string.Join(", ", unreadable.Order(StringComparer.Ordinal).Take(Examples))}); run as root to judge them.";
        if (openFiles.Count > 0)
        {
            return Finding(root, HealthStatus.Critical,
                $"{openFiles.Count} of {files} files in the {what} {root} can be read by other local users, such as {string.Join(", ", openFiles.Order(StringComparer.Ordinal).Take(Examples))}.{notRead}",
                counts, openFiles.Concat(openFolders));
        }

        if (openFolders.Count > 0)
        {
            return Finding(root, HealthStatus.Warning,
                $"Its {files} files are private, but other local users can enter or list {openFolders.Count} folders of the {what} {root}, such as {string.Join(", ", openFolders.Order(StringComparer.Ordinal).Take(Examples))}.{notRead}",
                counts, openFolders);
        }

        return unreadable.Count > 0
            ? Finding(root, HealthStatus.Unknown, $"The {what} {root}: the {files} files read are private.{notRead}", counts)
            : Finding(root, HealthStatus.Ok, $"The {what} {root}: its {files} files and its folders are its owner's only.", counts);
    }

    private static FrostSecurityFinding Finding(string root, HealthStatus status, string message, IReadOnlyDictionary<string, int>? counts = null, IEnumerable<string>? open = null) => new()
    {
        Check = CheckName,
        Target = root,
        Status = status,
        Message = message,
        Hint = status switch
        {
            HealthStatus.Ok => null,
            HealthStatus.Unknown => "Run Test-FrostSecurity -Check PrivateFiles as root, which may read every folder.",
            _ => $"chmod -R go-rwx {root}   (FrostGuard creates files 0600 and folders 0700; these were made by something else or an older version)",
        },
        Evidence = open is null ? null : string.Join("\n", open.Order(StringComparer.Ordinal).Take(50)),
        Counts = counts ?? new Dictionary<string, int>(),
    };
}
