using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>A restore's work done for real: Docker through the session, pg_restore in the database container, Npgsql.</summary>
public sealed class RestoreWork : IRestoreWork
{
    private readonly FrostSession _session;
    private readonly ApplicationServices _services;
    private BackupVerifier? _verifier;

    public RestoreWork(FrostSession session)
    {
        _session = session;
        _services = new ApplicationServices(session, []);
    }

    public BackupManifest Load(FrostBackup backup) => BackupCatalog.Load(backup);

    public Task CheckChecksumAsync(FrostBackup backup, BackupManifest manifest, CancellationToken cancellationToken) =>
        BackupVerifier.CheckChecksumAsync(backup.Path, manifest, cancellationToken);

    public async Task FindDatabaseContainerAsync(CancellationToken cancellationToken) =>
        _verifier ??= new BackupVerifier(_session, await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<FrostService>> RunningAsync(IReadOnlyList<string> names, CancellationToken cancellationToken) =>
        (await new ApplicationServices(_session, names).FindAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.IsRunning).ToList();

    public async Task<IReadOnlyList<FrostService>> ServicesAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken) =>
        (await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => containerIds.Contains(s.ContainerId)).ToList();

    public Task StopAsync(IReadOnlyList<FrostService> services, IFrostReporter reporter) =>
        _services.StopAsync(services, reporter, CancellationToken.None);

    public Task StartAndWaitAsync(IReadOnlyList<FrostService> services, TimeSpan timeout, IFrostReporter reporter) =>
        _services.StartAndWaitAsync(services, timeout, reporter);

    public Task<FrostBackup> TakeSafetyBackupAsync(string database, string label, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new BackupRunner(_session).RunAsync(new BackupRequest { Database = database, Label = label, Verify = true }, reporter, cancellationToken);

    public IDisposable LockBackupRoot(FrostBackup backup, string purpose) =>
        BackupLock.Acquire(Path.GetDirectoryName(backup.ManifestPath)!, purpose);

    public async Task<TimeSpan> RestoreAsync(FrostBackup backup, BackupManifest manifest, string database, int jobs, IFrostReporter reporter)
    {
        await FindDatabaseContainerAsync(CancellationToken.None).ConfigureAwait(false);
        return await _verifier!.RestoreAsync(backup.Path, manifest, database, clean: true, jobs, reporter, CancellationToken.None).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<TableRowCount> Counts, IReadOnlyList<string> ContentDifferences)> InspectAsync(BackupManifest manifest, string database)
    {
        await using var connection = await _session.Database.OpenAsync(CancellationToken.None, database).ConfigureAwait(false);
        var counts = await DumpSnapshot.CountRowsAsync(connection, null, CancellationToken.None).ConfigureAwait(false);
        var differences = await TableChecksums.CompareAsync(connection, manifest.Checksums ?? [], CancellationToken.None).ConfigureAwait(false);
        return (counts, differences);
    }

    /// <summary>Tables that are in the database and not in the backup, dropped with what depends on them (statements built by the server's format('%I.%I')).</summary>
    public async Task DropTablesNotInAsync(BackupManifest manifest, string database, IFrostReporter reporter)
    {
        var keep = manifest.Tables.Select(t => t.QualifiedName).ToHashSet(StringComparer.Ordinal);
        await using var connection = await _session.Database.OpenAsync(CancellationToken.None, database).ConfigureAwait(false);
        var drops = new List<(string Name, string Sql)>();
        await using (var list = new Npgsql.NpgsqlCommand(
            "SELECT schemaname || '.' || tablename, format('DROP TABLE IF EXISTS %I.%I CASCADE', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_%'",
            connection))
        await using (var reader = await list.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (!keep.Contains(reader.GetString(0)))
                {
                    drops.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
        }

        foreach (var (name, sql) in drops)
        {
            reporter.Verbose($"dropping table {name}: the backup has no such table");
            await using var drop = new Npgsql.NpgsqlCommand(sql, connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
