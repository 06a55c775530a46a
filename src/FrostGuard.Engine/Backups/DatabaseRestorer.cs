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
        var stopped = await services.StopAsync(reporter, cancellationToken).ConfigureAwait(false);
        TimeSpan restoreDuration;
        IReadOnlyList<TableRowCount> counts;
        try
        {
            try
            {
                // Not cancellable once started: a half-restored database is worse than waiting.
                restoreDuration = await verifier.RestoreAsync(backup.Path, manifest, database, clean: true, jobs: request.Jobs, reporter, CancellationToken.None).ConfigureAwait(false);
            }
            catch (FrostException failure) when (failure.ErrorId == ErrorIds.BackupRestoreFailed)
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
                        $"{failure.Message} Putting back the safety backup {safety.Id} failed too: {safetyFailure.Message}", backup.Id,
                        $"Restore the safety backup by hand: Get-FrostBackup -Id {safety.Id} | Restore-FrostBackup", new AggregateException(failure, safetyFailure));
                }

                throw new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed,
                    $"{failure.Message} The database was put back from the safety backup {safety.Id}, taken just before.", backup.Id,
                    $"The database is as it was before. {failure.RecommendedAction}", failure);
            }

            await using var connection = await _session.Database.OpenAsync(CancellationToken.None, database).ConfigureAwait(false);
            counts = await DumpSnapshot.CountRowsAsync(connection, null, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await services.StartAndWaitAsync(stopped, request.HealthTimeout, reporter).ConfigureAwait(false);
        }

        var differences = RowCountComparison.Differences(manifest.Tables, counts);
        foreach (var difference in differences)
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
            SafetyBackupDuration = safetyDuration,
            RestoreDuration = restoreDuration,
            TotalDuration = clock.Elapsed,
            ServicesRestarted = stopped.Select(s => s.Service).ToList(),
        };
    }
}
