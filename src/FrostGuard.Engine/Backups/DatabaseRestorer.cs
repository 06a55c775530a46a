using System.Diagnostics;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Restore-FrostBackup: the checksum first (a damaged archive never touches the database), the
/// services that write (backend and worker) stopped, then a safety backup (so no write is lost
/// between it and the restore), pg_restore --clean --if-exists in one transaction, and the
/// services that were running started again whatever happened; any failure once the database
/// began to change puts the safety backup back. An operation record, written before anything
/// changes and advanced at each commit point, lets the next FrostGuard command finish or undo a
/// restore whose process died (<see cref="ResolveInterruptedAsync"/>).
/// </summary>
public sealed class DatabaseRestorer
{
    private const string FactBackup = "backup";
    private const string FactManifest = "manifest";
    private const string FactDatabase = "database";
    private const string FactSafety = "safetyBackup";
    private const string FactSafetyManifest = "safetyManifest";
    private const string FactDropTables = "dropTablesNotInBackup";
    /// <summary>The restore failed and the safety backup is back in the database: what is left is starting the services.</summary>
    public const string StagePutBack = "safety-put-back";

    private readonly FrostSession _session;
    private readonly IRestoreWork _work;

    /// <param name="work">What the restore does to Docker, the database and the files; for real by default.</param>
    public DatabaseRestorer(FrostSession session, IRestoreWork? work = null)
    {
        _session = session;
        _work = work ?? new RestoreWork(session);
    }

    public async Task<FrostRestore> RestoreAsync(RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, $"Restore-FrostBackup {request.Backup.Id}");
        return await RestoreHoldingLockAsync(request, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>For callers that hold the deployment lock (Undo-FrostDeployment -RestoreDatabase).</summary>
    internal async Task<FrostRestore> RestoreHoldingLockAsync(RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var backup = request.Backup;
        var manifest = _work.Load(backup);
        if (manifest.Format == FrostBackupFormat.Physical)
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                $"Backup {backup.Id} is a physical base backup of the whole cluster; pg_restore cannot read it. Nothing was stopped.", backup.Id,
                "Recover the cluster with Restore-FrostBackup -Latest or -PointInTime <time> (it picks the base backup), or pick a logical backup (Get-FrostBackup | Where-Object Type -eq Logical).");
        }

        await _work.CheckChecksumAsync(backup, manifest, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"backup {backup.Id}: checksum matches its manifest");

        var database = manifest.Database;
        await _work.FindDatabaseContainerAsync(cancellationToken).ConfigureAwait(false);
        // Only what runs is stopped, and only that is started again: a service stopped before stays stopped.
        var running = await _work.RunningAsync(request.StopServices, cancellationToken).ConfigureAwait(false);
        var records = _session.OperationRecords;
        var record = records.Begin(OperationRecord.Restore, $"Restore-FrostBackup {backup.Id}", new Dictionary<string, string>
        {
            [FactBackup] = backup.Id, [FactManifest] = backup.ManifestPath, [FactDatabase] = database,
            [FactDropTables] = request.DropTablesNotInBackup ? "true" : "false",
        }) with { StoppedServices = running.Select(s => s.ContainerId).ToList() };
        record = records.Save(record);

        FrostBackup? safety = null;
        TimeSpan safetyDuration = default;
        TimeSpan restoreDuration = default;
        IReadOnlyList<TableRowCount> counts = [];
        IReadOnlyList<string> contentDifferences = [];
        Exception? failure = null;
        var settled = true; // false while the database is neither as it was, nor restored, nor put back
        try
        {
            // Writers first: what they write after the safety backup would be lost if it is put back.
            await _work.StopAsync(running, reporter).ConfigureAwait(false);
            record = records.Save(record.At(CrashPoints.RestoreWritersStopped));
            CrashPoints.Reach(CrashPoints.RestoreWritersStopped);

            if (request.SkipSafetyBackup)
            {
                reporter.Warning($"No safety backup (-SkipSafetyBackup): if restoring {backup.Id} fails, the database cannot be put back as it was.");
            }
            else
            {
                safety = await TakeSafetyBackupAsync(backup, database, reporter, cancellationToken).ConfigureAwait(false);
                safetyDuration = clock.Elapsed;
                reporter.Verbose($"safety backup {safety.Id} taken in {safetyDuration.TotalSeconds:N1} s");
                record = records.Save(record.With(FactSafety, safety.Id).With(FactSafetyManifest, safety.ManifestPath).At(CrashPoints.RestoreSafetyTaken));
                CrashPoints.Reach(CrashPoints.RestoreSafetyTaken);
            }

            using var restoreLock = _work.LockBackupRoot(backup, "restore of " + database);
            record = records.Save(record.At(CrashPoints.RestoreDatabaseChanging));
            settled = false;
            CrashPoints.Reach(CrashPoints.RestoreDatabaseChanging);
            try
            {
                if (request.DropTablesNotInBackup)
                {
                    await _work.DropTablesNotInAsync(manifest, database, reporter).ConfigureAwait(false);
                    CrashPoints.Reach(CrashPoints.UndoTablesDropped);
                }

                // Not cancellable once started: a half-restored database is worse than waiting.
                restoreDuration = await _work.RestoreAsync(backup, manifest, database, request.Jobs, reporter).ConfigureAwait(false);
            }
            catch (Exception restoreFailure)
            {
                // Whatever failed once the database began to change (a drop, pg_restore, the connection), the safety backup goes back.
                var (error, putBack) = await PutBackAsync(backup, safety, database, restoreFailure, reporter).ConfigureAwait(false);
                if (putBack)
                {
                    settled = true;
                    record = records.Save(record with { Stage = StagePutBack });
                }

                throw error;
            }

            settled = true;
            record = records.Save(record.At(CrashPoints.RestoreRestored));
            CrashPoints.Reach(CrashPoints.RestoreRestored);
            (counts, contentDifferences) = await _work.InspectAsync(manifest, database).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e; // told below, after the services are started again
        }

        // The services that ran start again whatever happened. The record goes once the database
        // is settled and they run; otherwise it is handed on, so the next restore puts the safety
        // backup back (or restores again) and starts what is still stopped.
        try
        {
            await _work.StartAndWaitAsync(running, request.HealthTimeout, reporter).ConfigureAwait(false);
            if (settled)
            {
                records.End(record);
            }
            else
            {
                records.Fail(record, failure!);
            }
        }
        catch (FrostException startFailure)
        {
            records.Fail(record, startFailure);
            if (failure is null)
            {
                throw;
            }

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
            SafetyBackupId = safety?.Id,
            RowCounts = counts.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal),
            RowCountsMatch = differences.Count == 0,
            ContentMatches = manifest.Checksums is null ? null : contentDifferences.Count == 0,
            SafetyBackupDuration = safetyDuration,
            RestoreDuration = restoreDuration,
            TotalDuration = clock.Elapsed,
            ServicesRestarted = running.Select(s => s.Service).ToList(),
        };
    }

    private async Task<FrostBackup> TakeSafetyBackupAsync(FrostBackup backup, string database, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            return await _work.TakeSafetyBackupAsync(database, $"safety before restoring {backup.Id}", reporter, cancellationToken).ConfigureAwait(false);
        }
        catch (FrostException e) when (e.ErrorId != ErrorIds.BackupInProgress)
        {
            throw new FrostException(ErrorIds.SafetyBackupFailed, FailureKind.OperationFailed,
                $"The safety backup of database {database} before restoring {backup.Id} failed: {e.Message} Nothing was restored; the services were started again.",
                database,
                $"{e.RecommendedAction} If the database is beyond a backup (damaged, missing) or the disk cannot hold one, restore without it: Get-FrostBackup -Id {backup.Id} | Restore-FrostBackup -SkipSafetyBackup (a failed restore then cannot be undone).",
                e);
        }
    }

    /// <summary>The safety backup back in the database after a failed restore; the exception to throw, saying what happened.</summary>
    private async Task<(FrostException Error, bool PutBack)> PutBackAsync(FrostBackup backup, FrostBackup? safety, string database, Exception restoreFailure, IFrostReporter reporter)
    {
        var reason = restoreFailure is FrostException frost ? frost.Message : $"{restoreFailure.GetType().Name}: {restoreFailure.Message}";
        var action = restoreFailure is FrostException f ? f.RecommendedAction : "Read the error above, fix its cause, then restore again.";
        if (safety is null)
        {
            return (new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed,
                $"Restoring {backup.Id} failed: {reason} There is no safety backup (-SkipSafetyBackup), so the database was left as the failure left it.", backup.Id,
                $"{action} Then restore again: Get-FrostBackup -Id {backup.Id} | Restore-FrostBackup -SkipSafetyBackup.", restoreFailure), false);
        }

        reporter.Warning($"Restoring {backup.Id} failed; restoring the safety backup {safety.Id}.");
        try
        {
            await _work.RestoreAsync(safety, _work.Load(safety), database, 1, reporter).ConfigureAwait(false);
        }
        catch (Exception safetyFailure)
        {
            return (new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed,
                $"Restoring {backup.Id} failed: {reason} Putting back the safety backup {safety.Id} failed too: {safetyFailure.Message}", backup.Id,
                $"Restore the safety backup by hand: Get-FrostBackup -Id {safety.Id} | Restore-FrostBackup -SkipSafetyBackup", new AggregateException(restoreFailure, safetyFailure)), false);
        }

        return (new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed,
            $"Restoring {backup.Id} failed: {reason} The database was put back from the safety backup {safety.Id}, taken just before.", backup.Id,
            $"The database is as it was before. {action}", restoreFailure), true);
    }

    /// <summary>
    /// Finishes or undoes a restore whose process died, by the stage its record reached: before
    /// the database changed, the stopped services are started (undone); while it changed, the
    /// safety backup is put back (undone) or, without one, the backup is restored again
    /// (finished); once it was settled, the services are started (finished).
    /// </summary>
    public async Task<string> ResolveInterruptedAsync(OperationRecord record, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        // The caller holds the deployment lock and read the record again under it.
        var since = record.Interruption;
        var records = _session.OperationRecords;
        var database = record.Fact(FactDatabase);
        string done;
        if (record.Stage == CrashPoints.RestoreDatabaseChanging.Name)
        {
            // A restore that failed (rather than died) started its writers again: they stop before the database changes once more.
            var running = (await _work.ServicesAsync(record.StoppedServices, cancellationToken).ConfigureAwait(false)).Where(s => s.IsRunning).ToList();
            await _work.StopAsync(running, reporter).ConfigureAwait(false);
            await _work.FindDatabaseContainerAsync(cancellationToken).ConfigureAwait(false);
            var (putBack, undo) = record.Fact(FactSafety) is { Length: > 0 } safetyId
                ? (Load(record.Fact(FactSafetyManifest), safetyId), true)
                : (Load(record.Fact(FactManifest), record.Fact(FactBackup)), false);
            var manifest = _work.Load(putBack);
            using (_work.LockBackupRoot(putBack, "finishing an interrupted restore of " + database))
            {
                if (record.Fact(FactDropTables) == "true" || undo)
                {
                    await _work.DropTablesNotInAsync(manifest, database, reporter).ConfigureAwait(false);
                }

                await _work.RestoreAsync(putBack, manifest, database, 1, reporter).ConfigureAwait(false);
            }

            done = undo ? $"Undone: the database was put back from the safety backup {putBack.Id}" : $"Finished: there was no safety backup, so {putBack.Id} was restored again";
            record = records.Save(undo ? record with { Stage = StagePutBack } : record.At(CrashPoints.RestoreRestored));
        }
        else
        {
            done = record.Stage == CrashPoints.RestoreRestored.Name ? $"Finished: the database held {record.Fact(FactBackup)}"
                : record.Stage == StagePutBack ? "Undone: the safety backup had been put back"
                : "Undone: the database had not been changed";
        }

        var stopped = (await _work.ServicesAsync(record.StoppedServices, cancellationToken).ConfigureAwait(false)).Where(s => !s.IsRunning).ToList();
        await _work.StartAndWaitAsync(stopped, TimeSpan.FromSeconds(180), reporter).ConfigureAwait(false);
        records.End(record);
        return $"{since}. {done}{(stopped.Count == 0 ? "" : $"; {string.Join(", ", stopped.Select(s => s.Service))} started again")}.";
    }

    private FrostBackup Load(string manifestPath, string id) =>
        new BackupCatalog(Path.GetDirectoryName(manifestPath)!).List(NullReporter.Instance, withRecoverableRange: false).FirstOrDefault(b => b.Backup.Id == id)?.Backup
        ?? throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
            $"Backup {id}, which an interrupted restore needs, is not in {Path.GetDirectoryName(manifestPath)} any more.", id,
            $"Restore a backup of your choice by hand: Get-FrostBackup | Restore-FrostBackup -SkipSafetyBackup; then move {_session.OperationRecords.Folder}/restore.json away.");
}
