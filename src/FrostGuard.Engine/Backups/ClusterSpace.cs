using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using Npgsql;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// The free space of the file system that holds the database cluster, read on this host: the
/// cluster's data directory (or, where this role may not read it, PostgreSQL's usual folder)
/// mapped through the database container's mounts to a host path.
/// </summary>
public static class ClusterSpace
{
    private const string UsualDataFolder = "/var/lib/postgresql";

    /// <summary>The host folder and its free bytes, or null when they cannot be known here.</summary>
    public static async Task<(string Folder, long FreeBytes)?> FreeAsync(FrostSession session, PostgresContainer container, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!session.Docker.IsUnixSocket)
        {
            return null; // a remote engine's paths are not this host's
        }

        var dataDirectory = await DataDirectoryAsync(connection, cancellationToken).ConfigureAwait(false) ?? UsualDataFolder;
        var inspected = await session.Docker.CallAsync($"inspect {container.Name}",
            (c, ct) => c.Containers.InspectContainerAsync(container.ContainerId, ct), cancellationToken).ConfigureAwait(false);
        if (ContainerMounts.HostPathOf(inspected, dataDirectory) is not { } host)
        {
            return null;
        }

        // The data directory may not exist under the mount yet (a fresh volume): its nearest folder that does, never above the mount.
        var bound = host.Base.TrimEnd('/');
        for (var folder = host.Path; folder is not null && (folder == bound || folder.StartsWith(bound + "/", StringComparison.Ordinal)); folder = Path.GetDirectoryName(folder))
        {
            if (Directory.Exists(folder))
            {
                return (folder, new DriveInfo(folder).AvailableFreeSpace);
            }
        }

        return null;
    }

    private static async Task<string?> DataDirectoryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT current_setting('data_directory')", connection);
            return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return null; // only superusers and pg_read_all_settings may read it
        }
    }
}
