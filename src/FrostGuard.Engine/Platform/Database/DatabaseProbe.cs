using System.Diagnostics;

namespace FrostGuard.Engine.Platform.Database;

/// <summary>One round trip that says what the database is: version, size, connections, tables.</summary>
public sealed class DatabaseProbe
{
    private const string Query = """
        SELECT current_setting('server_version'),
               pg_database_size(current_database()),
               (SELECT count(*)::int FROM pg_stat_activity WHERE datname IS NOT NULL),
               current_setting('max_connections')::int,
               now() - pg_postmaster_start_time(),
               pg_is_in_recovery(),
               ARRAY(SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                     WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1)
        """;

    private readonly DatabaseConnector _connector;

    public DatabaseProbe(DatabaseConnector connector) => _connector = connector;

    public async Task<FrostDatabase> ProbeAsync(string database, string user, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await _connector.OpenAsync(cancellationToken).ConfigureAwait(false);
        var connectTime = clock.Elapsed;
        await using var command = connection.CreateCommand();
        command.CommandText = Query;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new FrostDatabase
        {
            Endpoint = _connector.Endpoint,
            Database = database,
            User = user,
            ServerVersion = reader.GetString(0),
            SizeBytes = reader.GetInt64(1),
            Connections = reader.GetInt32(2),
            MaxConnections = reader.GetInt32(3),
            ServerUptime = reader.GetTimeSpan(4),
            InRecovery = reader.GetBoolean(5),
            ConnectTime = connectTime,
            Tables = reader.GetFieldValue<string[]>(6),
        };
    }
}
