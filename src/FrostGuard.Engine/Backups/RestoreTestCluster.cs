using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;
using Npgsql;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// The real <see cref="IRestoreTestCluster"/>: one restore test per cluster at a time, held by a
/// session-level advisory lock that PostgreSQL releases when the connection ends, however the
/// process that held it ended; throwaway databases are made and dropped on an admin connection.
/// </summary>
internal sealed class RestoreTestCluster : IRestoreTestCluster
{
    /// <summary>pg_advisory_lock key of restore tests: one per cluster at a time ("FGtestDB" in ASCII).</summary>
    private const long RestoreTestLock = 0x4647_7465_7374_4442;

    private readonly FrostSession _session;
    private readonly PostgresContainer _container;
    private readonly NpgsqlConnection _admin;
    private readonly NpgsqlConnection? _maintenance;

    private RestoreTestCluster(FrostSession session, PostgresContainer container, NpgsqlConnection admin, NpgsqlConnection? maintenance)
    {
        _session = session;
        _container = container;
        _admin = admin;
        _maintenance = maintenance;
    }

    public static async Task<RestoreTestCluster> LockAsync(FrostSession session, PostgresContainer container, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var admin = await session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlConnection? maintenance = null;
        try
        {
            maintenance = await MaintenanceConnectionAsync(session, reporter, cancellationToken).ConfigureAwait(false);
            await TakeLockAsync(maintenance ?? admin, cancellationToken).ConfigureAwait(false);
            return new RestoreTestCluster(session, container, admin, maintenance);
        }
        catch
        {
            try
            {
                if (maintenance is not null)
                {
                    await maintenance.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    public async Task<IReadOnlyList<string>> ThrowawayDatabasesAsync(CancellationToken cancellationToken)
    {
        var found = new List<string>();
        await using var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname ~ '_fgtest_[0-9a-f]{8}$' ORDER BY 1", _admin);
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    public Task<(string Folder, long FreeBytes)?> FreeSpaceAsync(CancellationToken cancellationToken) =>
        ClusterSpace.FreeAsync(_session, _container, _admin, cancellationToken);

    public Task CreateDatabaseAsync(string name, CancellationToken cancellationToken) =>
        ExecuteAsync(_admin, "SELECT format('CREATE DATABASE %I', @name)", name, cancellationToken);

    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken) =>
        ExecuteAsync(_admin, "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', @name)", name, cancellationToken);

    /// <summary>The lock released, then the connections closed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseLockAsync(_maintenance ?? _admin).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                if (_maintenance is not null)
                {
                    await _maintenance.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                await _admin.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Advisory locks are scoped to a database, so the restore tests of every configuration on a
    /// cluster meet in the maintenance database "postgres"; a role that may not connect there
    /// falls back to its own database (a lock that then covers that database's tests only).
    /// </summary>
    private static async Task<NpgsqlConnection?> MaintenanceConnectionAsync(FrostSession session, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            return await session.Database.OpenAsync(cancellationToken, "postgres").ConfigureAwait(false);
        }
        catch (FrostException e)
        {
            reporter.Warning($"The restore test's lock is taken in {session.Config.Database.Name}, not in the cluster's maintenance database postgres ({e.Message}): restore tests of other databases of this cluster are not held off.");
            return null;
        }
    }

    private static async Task TakeLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        take.Parameters.AddWithValue("key", RestoreTestLock);
        if (!(bool)(await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            throw new FrostException(ErrorIds.BackupInProgress, FailureKind.OperationFailed,
                $"Another restore test is running in the database cluster of {connection.Database} (it holds advisory lock {RestoreTestLock}); this one did not start.", connection.Database ?? "",
                "Wait for it to finish, then run Test-FrostBackup -Restore again.");
        }
    }

    private static async Task ReleaseLockAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", RestoreTestLock);
            await release.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A broken connection holds no lock: PostgreSQL released it when the session ended.
            // The error that broke it is the one the caller reports, not this one.
        }
    }

    /// <summary>Builds a statement with the server's own identifier quoting, then runs it.</summary>
    private static async Task ExecuteAsync(NpgsqlConnection connection, string builder, string name, CancellationToken cancellationToken)
    {
        string statement;
        await using (var build = new NpgsqlCommand(builder, connection))
        {
            build.Parameters.AddWithValue("name", name);
            statement = (string)(await build.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await using var run = new NpgsqlCommand(statement, connection);
        await run.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
