namespace FrostGuard.Engine.Backups.Physical;

/// <summary>One mount of the database container: where it appears inside, the host folder behind it, its type, and a volume's name.</summary>
public sealed record ContainerMount(string Destination, string Source, string Type, string? Name = null);

/// <summary>The host folder behind the data directory, and the mount it is on.</summary>
public sealed record DataFolderLocation(string HostFolder, ContainerMount Mount);

/// <summary>
/// The host folder behind the database's data directory, which a recovery to a point swaps. The
/// data directory is a mount of its own (a bind mount, or a named volume whose host folder is the
/// volume's _data) or a folder inside one, as with the official image's
/// PGDATA=/var/lib/postgresql/data/pgdata: the nearest mount decides, whatever its type. One on
/// the container's own layer or a tmpfs has no host folder; one with a mount inside it (a
/// separate pg_wal, a tablespace) would run on that mount's old data after the swap. Both are
/// refused before anything stops.
/// </summary>
public static class DataDirectoryMount
{
    /// <param name="tmpfs">The container's tmpfs mount points (HostConfig.Tmpfs: Docker does not list them among the mounts).</param>
    public static DataFolderLocation Resolve(IEnumerable<ContainerMount> mounts, IEnumerable<string> tmpfs, string dataDirectory, string container)
    {
        var wanted = Normalize(dataDirectory);
        var all = mounts.Concat(tmpfs.Select(t => new ContainerMount(t, "", "tmpfs"))).ToList();
        var nearest = all.Where(m => Contains(Normalize(m.Destination), wanted)).MaxBy(m => Normalize(m.Destination).Length);
        if (nearest is null || nearest.Type is not ("bind" or "volume") || string.IsNullOrEmpty(nearest.Source))
        {
            throw Refused(container, dataDirectory,
                nearest is null ? "is on the container's own file system, not on a mount" : $"is on a {nearest.Type} mount at {nearest.Destination}, which has no host folder",
                "Mount the data directory from a host folder or a named volume in the compose file.");
        }

        var inside = all.FirstOrDefault(m => Normalize(m.Destination) != wanted && Contains(wanted, Normalize(m.Destination)));
        if (inside is not null)
        {
            throw Refused(container, dataDirectory,
                $"has a mount inside it ({inside.Destination}, e.g. pg_wal or a tablespace): after the swap that mount would still hold the old data",
                "Recover this database by hand (docs/backups.md, \"Recovery to a point\"), or keep pg_wal and tablespaces inside the data directory's own mount.");
        }

        var rest = wanted[Normalize(nearest.Destination).Length..].TrimStart('/');
        var source = Normalize(nearest.Source);
        return new DataFolderLocation(rest.Length == 0 ? source : Path.Combine(source, rest), nearest);
    }

    private static FrostException Refused(string container, string dataDirectory, string why, string action) =>
        new(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
            $"The data directory {dataDirectory} of {container} {why}, so FrostGuard cannot swap it for a recovered one. Nothing was stopped or changed.", container, action);

    private static bool Contains(string mount, string path) =>
        mount != "/" && (path == mount || path.StartsWith(mount + "/", StringComparison.Ordinal));

    private static string Normalize(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }
}
