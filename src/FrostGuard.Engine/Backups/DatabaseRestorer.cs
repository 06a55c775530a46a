using System.Diagnostics;
using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Restore-FrostBackup: the checksum first (a damaged archive never touches the database), a
/// safety backup, backend and worker stopped, pg_restore --clean --if-exists in one
/// transaction, the services started again whatever happened; if the restore failed, the
/// safety backup is restored and the error says so.
/// </summary>
public sealed class DatabaseRestorer
{
    private readonly FrostSession _session;

    public DatabaseRestorer(FrostSession session) => _session = session;

    public async Task<FrostRestore> RestoreAsync(RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var backup = request.Backup;
        var manifest = BackupCatalog.Load(backup);
        await BackupVerifier.CheckChecksumAsync(backup.Path, manifest, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"backup {backup.Id}: checksum matches its manifest");

        var database = manifest.Database;
        var safety = await new BackupRunner(_session).RunAsync(new BackupRequest
        {
            Database = database,
            Label = $"safety before restoring {backup.Id}",
            Verify = true,
        }, reporter, cancellationToken).ConfigureAwait(false);
        var safetyDuration = clock.Elapsed;
        reporter.Verbose($"safety backup {safety.Id} taken in {safetyDuration.TotalSeconds:N1} s");

        var container = await PostgresContainer.FindAsync(_session, cancellationToken).ConfigureAwait(false);
        var verifier = new BackupVerifier(_session, container);
        var services = new ApplicationServices(_session, request.StopServices);
        using var restoreLock = BackupLock.Acquire(Path.GetDirectoryName(safety.Path)!, "restore of " + database);
        var targets = await services.FindAsync(cancellationToken).ConfigureAwait(false);
        TimeSpan restoreDuration = default;
        IReadOnlyList<TableRowCount> counts = [];
        IReadOnlyList<string> contentDifferences = [];
        Exception? failure = null;
        try
        {
            await services.StopAsync(targets, reporter, CancellationToken.None).ConfigureAwait(false);
            if (request.DropTablesNotInBackup)
            {
                await DropTablesNotInAsync(manifest, database, reporter).ConfigureAwait(false);
            }

            try
            {
                // Not cancellable once started: a half-restored database is worse than waiting.
                restoreDuration = await verifier.RestoreAsync(backup.Path, manifest, database, clean: true, jobs: request.Jobs, reporter, CancellationToken.None).ConfigureAwait(false);
            }
            catch (FrostException restoreFailure) when (restoreFailure.ErrorId == ErrorIds.BackupRestoreFailed)
            {
                reporter.Warning($"Restoring {backup.Id} failed; restoring the safety backup {safety.Id}.");
                var safetyManifest = BackupCatalog.Load(safety);
                try
                {
                    await verifier.RestoreAsync(safety.Path, safetyManifest, database, clean: true, jobs: 1, reporter, CancellationToken.None).ConfigureAwait(false);
                }
                catch (FrostException safetyFailure)
                {
                    throw new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed,
                        $"{restoreFailure.Message} Putting back the safety backup {safety.Id} failed too: {safetyFailure.Message}", backup.Id,
                        $"Restore the safety backup by hand: Get-FrostBackup -Id {safety.Id} | Restore-FrostBackup", new AggregateException(restoreFailure, safetyFailure));
                }

                throw new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed,
                    $"{restoreFailure.Message} The database was put back from the safety backup {safety.Id}, taken just before.", backup.Id,
                    $"The database is as it was before. {restoreFailure.RecommendedAction}", restoreFailure);
            }

            await using var connection = await _session.Database.OpenAsync(CancellationToken.None, database).ConfigureAwait(false);
            counts = await DumpSnapshot.CountRowsAsync(connection, null, CancellationToken.None).ConfigureAwait(false);
            contentDifferences = await TableChecksums.CompareAsync(connection, manifest.Checksums ?? [], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e; // told below, after the services are started again
        }

        // The services start again whatever happened; if that fails too, both failures are told.
        try
        {
            await services.StartAndWaitAsync(targets, request.HealthTimeout, reporter).ConfigureAwait(false);
        }
        catch (FrostException startFailure) when (failure is not null)
        {
            var first = failure as FrostException;
            throw new FrostException(first?.ErrorId ?? ErrorIds.BackupRestoreFailed, first?.Kind ?? FailureKind.OperationFailed,
                $"{failure.Message} Then starting the services failed: {startFailure.Message}", first?.Target ?? backup.Id,
                $"{first?.RecommendedAction} {startFailure.RecommendedAction}".Trim(), new AggregateException(failure, startFailure));
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        var differences = RowCountComparison.Differences(manifest.Tables, counts);
        foreach (var difference in differences.Concat(contentDifferences))
        {
            reporter.Warning($"After restoring {backup.Id}: {difference}.");
        }

        RecoveryMeasurements.TryRecord(_session.StateFolder, "database-restore", clock.Elapsed, $"Restore-FrostBackup {backup.Id}", reporter);
        return new FrostRestore
        {
            BackupId = backup.Id,
            Database = database,
            SafetyBackupId = safety.Id,
            RowCounts = counts.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal),
            RowCountsMatch = differences.Count == 0,
            ContentMatches = manifest.Checksums is null ? null : contentDifferences.Count == 0,
            SafetyBackupDuration = safetyDuration,
            RestoreDuration = restoreDuration,
            TotalDuration = clock.Elapsed,
            ServicesRestarted = targets.Select(s => s.Service).ToList(),
        };
    }

    /// <summary>Tables that are in the database and not in the backup, dropped with what depends on them (statements built by the server's format('%I.%I')).</summary>
    private async Task DropTablesNotInAsync(BackupManifest manifest, string database, IFrostReporter reporter)
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
