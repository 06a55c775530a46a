using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Durability;

/// <summary>fsync for what a commit point promises: each file's content, and the folder that names it (a rename or a removal is durable only once its folder is).</summary>
public static class Durable
{
    /// <param name="paths">Files and folders; a path that no longer exists syncs only its folder (a removal).</param>
    public static void Sync(params string[] paths)
    {
        foreach (var path in paths)
        {
            switch (FileFacts.Read(path)?.Kind)
            {
                case FileKind.Regular:
                    Posix.SyncFile(path);
                    break;
                case FileKind.Directory:
                    Posix.SyncDirectory(path);
                    break;
            }
        }

        foreach (var folder in paths.Select(p => Path.GetDirectoryName(Path.GetFullPath(p))).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            Posix.SyncDirectory(folder);
        }
    }
}
