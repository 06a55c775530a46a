using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;
using Npgsql;

namespace FrostGuard.Engine.Backups;

/// <summary>What the server says about itself before a backup.</summary>
public sealed record ServerFacts(string Version, int Major, int Port, long DatabaseBytes);

/// <summary>
/// Checks made before pg_dump starts: the database answers (the connection is already open),
/// the backup root has room for a dump the size of the database, and the client tool is not
/// older than the server.
/// </summary>
public static class Preflight
{
    public static async Task<ServerFacts> CheckAsync(NpgsqlConnection connection, string root, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int / 10000, current_setting('port')::int, pg_database_size(current_database())",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var facts = new ServerFacts(reader.GetString(0).Split(' ')[0], reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3));

        var free = new DriveInfo(root).AvailableFreeSpace;
        CheckSpace(root, free, facts.DatabaseBytes);
        reporter.Verbose($"{root}: {free / 1048576.0:N0} MB free for a database of {facts.DatabaseBytes / 1048576.0:N1} MB");
        return facts;
    }

    /// <summary>A dump is smaller than the database it comes from (no indexes, no dead rows): its size is the bound.</summary>
    public static void CheckSpace(string root, long freeBytes, long databaseBytes)
    {
        if (freeBytes < databaseBytes)
        {
            throw new FrostException(ErrorIds.BackupInsufficientSpace, FailureKind.OperationFailed,
                $"The backup folder {root} has {freeBytes / 1048576.0:N1} MB free, less than the database's {databaseBytes / 1048576.0:N1} MB; the backup did not start.", root,
                $"Free space there (Invoke-FrostBackupRetention, or remove old files; `df -h {root}`), or pass -Destination with a larger file system.");
        }
    }

    public static void CheckToolVersion(string tool, string toolVersion, ServerFacts server, string container)
    {
        if (PostgresContainer.Major(toolVersion) < server.Major)
        {
            throw new FrostException(ErrorIds.BackupToolTooOld, FailureKind.OperationFailed,
                $"{tool} {toolVersion} in container {container} is older than the server ({server.Version}); it cannot dump this server.", container,
                $"Use an image for the database service whose client tools match the server's major version {server.Major}.");
        }
    }
}
