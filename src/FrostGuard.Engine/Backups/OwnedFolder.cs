using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups;

/// <summary>The folder a job container writes into: created 0700 and given to the user the job runs as.</summary>
public static class OwnedFolder
{
    /// <summary>Creates <paramref name="path"/> (0700) owned by <paramref name="owner"/> (this process's user when null); a folder that cannot be made is BackupDestinationNotWritable.</summary>
    public static void Create(string path, (int Uid, int Gid)? owner)
    {
        try
        {
            PrivateFiles.CreateFolder(path);
            if (owner is { } o && o.Uid != Posix.EffectiveUserId)
            {
                Posix.Chown(path, o.Uid, o.Gid);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BackupErrors.NotWritable(Path.GetDirectoryName(path)!, e);
        }
    }
}
