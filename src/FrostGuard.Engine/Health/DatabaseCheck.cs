namespace FrostGuard.Engine.Health;

/// <summary>
/// The database answers (Npgsql, the configured credentials); connections in use against
/// max_connections; the longest running transaction; the replay lag of each standby the primary
/// streams to (see <see cref="ReplicationLag"/>). Its size is reported with reachability.
/// </summary>
public sealed class DatabaseCheck : IHealthCheck
{
    public const string CheckName = "Database";

    private const string Query = """
        SELECT (SELECT count(*)::int FROM pg_stat_activity),
               current_setting('max_connections')::int,
               pg_database_size(current_database()),
               coalesce((SELECT extract(epoch FROM max(now() - xact_start))::float8 FROM pg_stat_activity
                         WHERE xact_start IS NOT NULL AND state <> 'idle' AND pid <> pg_backend_pid()), 0),
               current_setting('server_version')
        """;

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var session = context.RequireSession();
        var endpoint = session.Database.Endpoint;
        Npgsql.NpgsqlConnection connection;
        try
        {
            connection = await session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (FrostException e) when (e.ErrorId is ErrorIds.DatabaseUnreachable or ErrorIds.DatabaseAuthenticationFailed)
        {
            return [context.Result(CheckName, endpoint, HealthStatus.Critical, $"{e.Message} {e.RecommendedAction}", "reachable and answering",
                duration: context.Clock.GetElapsedTime(started))];
        }

        await using (connection.ConfigureAwait(false))
        {
            var connected = context.Clock.GetElapsedTime(started);
            await using var command = connection.CreateCommand();
            command.CommandText = Query;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var connections = reader.GetInt32(0);
            var max = reader.GetInt32(1);
            var size = reader.GetInt64(2);
            var longest = reader.GetDouble(3);
            var version = reader.GetString(4);
            await reader.DisposeAsync().ConfigureAwait(false);
            var replicas = await ReadReplicasAsync(connection, session.Config.WalArchive, cancellationToken).ConfigureAwait(false);
            var standbys = replicas.Count(r => r.Slot is null);
            var replication = standbys == 0 ? " No standby connected." : $" {standbys} standby(s) connected.";
            List<FrostHealthResult> results =
            [
                context.Result(CheckName, endpoint, HealthStatus.Ok,
                    $"PostgreSQL {version} answered in {connected.TotalMilliseconds:F0} ms; database size {size / 1048576.0:F1} MiB.{replication}",
                    "reachable and answering", connected.TotalMilliseconds, "ms", context.Clock.GetElapsedTime(started)),
                context.Judge(CheckName, "connections", MetricKeys.DatabaseConnections, connections * 100.0 / max,
                    $"{connections} of max_connections {max} in use:", started),
                context.Judge(CheckName, "longest-transaction", MetricKeys.LongestTransaction, longest,
                    "longest running transaction", started),
            ];
            results.AddRange(ReplicationLag.Judge(context, CheckName, replicas, started));
            return results;
        }
    }

    private static async Task<IReadOnlyList<ReplicaState>> ReadReplicasAsync(Npgsql.NpgsqlConnection connection, Configuration.WalArchiveSection archive, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = ReplicationLag.Query;
        command.Parameters.AddWithValue(archive.Slot);
        command.Parameters.AddWithValue(archive.Service);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var replicas = new List<ReplicaState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            replicas.Add(new ReplicaState(
                reader.IsDBNull(0) ? null : reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return replicas;
    }
}
