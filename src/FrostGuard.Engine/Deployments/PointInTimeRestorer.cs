using System.Diagnostics;
using System.Globalization;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.Physical;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>What Restore-FrostBackup -PointInTime / -Latest / -RestorePoint asks for.</summary>
public sealed record PointInTimeRequest(RecoveryTarget Target, IReadOnlyList<string> StopServices)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(60);
}

/// <summary>What -WhatIf shows and what the restore will do.</summary>
public sealed record PointInTimePlan(RecoveryPlan Recovery, string LiveFolder, string NewFolder, string PreviousFolder, string Lost)
{
    public string Describe(IReadOnlyList<string> stopping) =>
        $"Recover {Recovery.Describe()} into {NewFolder} in a throwaway container; once it has promoted, stop {string.Join(", ", stopping)} and the database, "
        + $"move {LiveFolder} to {PreviousFolder} (kept), put the recovered folder in its place and start everything again. Lost: {Lost}";
}

/// <summary>
/// Recovery of the live database to a point: the plan refused before anything stops when the
/// target is out of reach; the base backup recovered into a new data folder beside the live one by
/// a <see cref="RecoveryInstance"/> (the live database runs on meanwhile) until
/// pg_is_in_recovery() is false; only then the writers and the database are stopped, the data
/// folders swapped (the old one kept until the operator removes it), everything started again,
/// and the WAL archive's slot created anew (a base backup holds no slots). An operation record
/// and crash points name each step; the next Restore-FrostBackup finishes or undoes what a dead
/// one left. The services stopped are started again whatever happens.
/// </summary>
public sealed class PointInTimeRestorer
{
    public const string FactLive = "live";
    public const string FactNew = "new";
    public const string FactPrevious = "previous";

    private readonly FrostSession _session;

    public PointInTimeRestorer(FrostSession session) => _session = session;

    /// <param name="mark">Commit a marker transaction first (not for -WhatIf), so a recent time target on a quiet database has a commit after it.</param>
    public async Task<PointInTimePlan> PlanAsync(PointInTimeRequest request, bool mark, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var pitr = new PointInTimeRecovery(_session);
        // First whether the data folder can be swapped at all: no plan helps a deployment where it cannot.
        var live = await pitr.SwappableDataFolderAsync(cancellationToken).ConfigureAwait(false);
        if (mark && request.Target.Kind == RecoveryTargetKind.Time)
        {
            await pitr.MarkAsync(reporter, cancellationToken).ConfigureAwait(false);
        }

        var recovery = await pitr.PlanAsync(request.Target, reporter, cancellationToken).ConfigureAwait(false);
        CheckSpace(live, recovery);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var lost = request.Target.Kind switch
        {
            RecoveryTargetKind.Latest => "what the archive has not received yet (Get-FrostWalArchive: the recovery point), and anything written while the recovery runs",
            RecoveryTargetKind.Time => $"every transaction committed after {request.Target} ({(DateTimeOffset.UtcNow - request.Target.Time!.Value).TotalMinutes:N1} min of writes), and anything written while it runs",
            _ => $"every transaction committed after the restore point {recovery.Point!.Name} ({recovery.Point.Time:u}), and anything written while it runs",
        };
        return new PointInTimePlan(recovery, live, $"{live}.pitr-{stamp}", $"{live}.before-pitr-{stamp}", lost);
    }

    /// <summary>The recovered folder is written beside the live one: it must fit and leave the live database a tenth of the space, at least 256 MB.</summary>
    private static void CheckSpace(string live, RecoveryPlan recovery)
    {
        var free = Health.FilesystemUsage.Of(Path.GetDirectoryName(live)!);
        var needed = recovery.Facts.DataBytes + recovery.Facts.WalSegmentSize * 4;
        var headroom = Math.Max(256L << 20, free.AvailableBytes / 10);
        if (free.AvailableBytes < needed + headroom)
        {
            throw new FrostException(ErrorIds.BackupInsufficientSpace, FailureKind.OperationFailed,
                $"{free.MountPoint} has {free.AvailableBytes / 1048576.0:N0} MB free; the recovered data folder needs about {needed / 1048576.0:N0} MB beside the live one and would leave it less than {headroom / 1048576.0:N0} MB. Nothing was stopped or changed.",
                free.MountPoint, $"Free space there (`df -h {free.MountPoint}`), e.g. remove data folders kept by earlier recoveries (*.before-pitr-*).");
        }
    }

    public async Task<FrostPointInTimeRestore> RestoreAsync(PointInTimeRequest request, PointInTimePlan plan, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, $"Restore-FrostBackup to {request.Target}");
        // Retention may not take the base backup or the WAL while they are read.
        using var backupLock = BackupLock.Acquire(_session.BackupRoot, $"recovery to {request.Target}");
        var clock = Stopwatch.StartNew();
        var recovery = new PointInTimeRecovery(_session);
        var progress = new ProgressUpdate(BackupRunner.ProgressActivity + 3, $"Recovering {_session.Config.Project.Name} to {request.Target}", "");
        void Step(int number, string what) => reporter.Progress(progress with { Status = $"Step {number} of 5: {what}", PercentComplete = (number - 1) * 20 });
        var owner = PointInTimeRecovery.OwnerOf(plan.LiveFolder);

        var records = _session.OperationRecords;
        var record = records.Begin(OperationRecord.PointInTime, $"Restore-FrostBackup to {request.Target}", new Dictionary<string, string>
        {
            [FactLive] = plan.LiveFolder, [FactNew] = plan.NewFolder, [FactPrevious] = plan.PreviousFolder,
        });
        var writers = new ApplicationServices(_session, request.StopServices);
        var archiver = new ApplicationServices(_session, [_session.Config.WalArchive.Service]);
        var database = new ApplicationServices(_session, [_session.Config.Database.Service]);
        var stopped = new Stopped([], [], []);
        var movedLive = false;
        var swapped = false;
        var putBack = false;
        try
        {
            Step(1, $"extracting base backup {plan.Recovery.Base.Manifest.Id}");
            await recovery.PrepareFolderAsync(plan.Recovery, plan.NewFolder, owner, reporter, cancellationToken).ConfigureAwait(false);
            Step(2, "replaying WAL");
            RecoveryState state;
            await using (var instance = await RecoveryInstance.StartAsync(_session, plan.NewFolder, plan.Recovery.Scan.Folder, request.Target, cancellationToken).ConfigureAwait(false))
            {
                record = records.Save(record.At(CrashPoints.PointInTimeReplaying));
                CrashPoints.Reach(CrashPoints.PointInTimeReplaying);
                state = await instance.WaitPromotedAsync(request.Timeout, s => reporter.Progress(progress with { Status = $"Step 2 of 5: replaying WAL, {s}", PercentComplete = 30 }), cancellationToken).ConfigureAwait(false);
                await instance.StopAsync(cancellationToken).ConfigureAwait(false);
            }

            var recovered = clock.Elapsed;
            reporter.Verbose($"recovered {plan.NewFolder}: promoted on timeline {state.Timeline} after replaying up to {state.ReplayedLsn}, in {recovered.TotalSeconds:N1} s");

            Step(3, "stopping the writers and the database");
            var downtime = Stopwatch.StartNew();
            stopped = new Stopped(
                (await writers.FindAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.IsRunning).ToList(),
                (await archiver.FindAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.IsRunning).ToList(),
                (await database.FindAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.IsRunning).ToList());
            record = records.Save(record with { StoppedServices = stopped.All.Select(s => s.ContainerId).ToList() });
            await writers.StopAsync(stopped.Writers, reporter, CancellationToken.None).ConfigureAwait(false);
            await archiver.StopAsync(stopped.Archiver, reporter, CancellationToken.None).ConfigureAwait(false);
            await database.StopAsync(stopped.Database, reporter, CancellationToken.None).ConfigureAwait(false);
            record = records.Save(record.At(CrashPoints.PointInTimeWritersStopped));
            CrashPoints.Reach(CrashPoints.PointInTimeWritersStopped);

            Step(4, "swapping the data folders");
            Directory.Move(plan.LiveFolder, plan.PreviousFolder);
            movedLive = true;
            Posix.SyncDirectory(Path.GetDirectoryName(plan.LiveFolder)!);
            record = records.Save(record.At(CrashPoints.PointInTimeSwapping));
            CrashPoints.Reach(CrashPoints.PointInTimeSwapping);
            Directory.Move(plan.NewFolder, plan.LiveFolder);
            swapped = true;
            Posix.SyncDirectory(Path.GetDirectoryName(plan.LiveFolder)!);
            record = records.Save(record.At(CrashPoints.PointInTimeSwapped));
            CrashPoints.Reach(CrashPoints.PointInTimeSwapped);

            Step(5, "starting the database, the archive and the writers");
            bool archived;
            try
            {
                archived = await StartAgainAsync(database, archiver, writers, stopped, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is FrostException or Npgsql.NpgsqlException or IOException)
            {
                // The database does not run on the recovered folder: the previous one goes back, and everything starts on it.
                await PutPreviousBackAsync(plan, database, archiver, writers, stopped, reporter).ConfigureAwait(false);
                records.End(record);
                putBack = true;
                throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                    $"The database did not run on the recovered folder ({failure.Message}); the previous data folder is back in place and everything runs on it. The recovered folder is kept as {plan.NewFolder}.",
                    plan.NewFolder, $"Get-FrostLog {_session.Config.Database.Service} shows why it did not start; remove {plan.NewFolder} once you are done with it.", failure);
            }

            records.End(record);
            reporter.Progress(progress with { Status = "done", Completed = true });
            var total = clock.Elapsed;
            RecoveryMeasurements.TryRecord(_session.StateFolder, "database-restore", total, $"Restore-FrostBackup to {request.Target}", reporter);
            return new FrostPointInTimeRestore
            {
                Target = request.Target.ToString(),
                BaseBackupId = plan.Recovery.Base.Manifest.Id,
                FirstSegment = plan.Recovery.Facts.StartSegment,
                ReplayedLsn = state.ReplayedLsn,
                Timeline = state.Timeline,
                DataFolder = plan.LiveFolder,
                PreviousDataFolder = plan.PreviousFolder,
                RecoveryDuration = recovered,
                TotalDuration = total,
                Downtime = downtime.Elapsed,
                ServicesRestarted = stopped.All.Select(s => s.ToString()).ToList(),
                ArchiveSlotRecreated = archived,
            };
        }
        catch (Exception failure) when (!putBack && (failure is not OperationCanceledException || !swapped))
        {
            reporter.Progress(progress with { Status = "failed", Completed = true });
            if (swapped)
            {
                records.Fail(record, failure);
                throw;
            }

            try
            {
                if (movedLive && !IsDataFolder(plan.LiveFolder))
                {
                    // Failed between the two renames: the live folder goes back where it was.
                    PutAtLive(plan.PreviousFolder, plan.LiveFolder);
                }

                // The live folder was never replaced: the recovered one goes, what was stopped starts again.
                if (Directory.Exists(plan.NewFolder) && IsDataFolder(plan.LiveFolder))
                {
                    Directory.Delete(plan.NewFolder, recursive: true);
                }

                await StartAgainAsync(database, archiver, writers, stopped, reporter, cancellationToken: CancellationToken.None, recreateSlot: false).ConfigureAwait(false);
                records.End(record);
            }
            catch (Exception cleanup) when (cleanup is FrostException or IOException or Npgsql.NpgsqlException)
            {
                records.Fail(record, failure);
                throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                    $"{failure.Message} Then putting things back failed too: {cleanup.Message}", plan.LiveFolder,
                    $"Read the operation record {record.Path}; the next Restore-FrostBackup finishes or undoes it.", new AggregateException(failure, cleanup));
            }

            throw;
        }
    }

    /// <summary>What the restore stopped, by kind: started again in the order database, archive, writers.</summary>
    private sealed record Stopped(IReadOnlyList<FrostService> Writers, IReadOnlyList<FrostService> Archiver, IReadOnlyList<FrostService> Database)
    {
        public IEnumerable<FrostService> All => Database.Concat(Archiver).Concat(Writers);
    }

    /// <summary>A folder PostgreSQL can run on (an empty folder Docker made for a missing bind path is not).</summary>
    private static bool IsDataFolder(string folder) => File.Exists(Path.Combine(folder, "PG_VERSION"));

    /// <summary>The swap undone after the database would not run on the recovered folder: live → recovered again, previous → live, everything started.</summary>
    private async Task PutPreviousBackAsync(PointInTimePlan plan, ApplicationServices database, ApplicationServices archiver, ApplicationServices writers, Stopped stopped, IFrostReporter reporter)
    {
        var running = (await database.FindAsync(CancellationToken.None).ConfigureAwait(false)).Where(s => s.IsRunning).ToList();
        await database.StopAsync(running, reporter, CancellationToken.None).ConfigureAwait(false);
        Directory.Move(plan.LiveFolder, plan.NewFolder);
        Directory.Move(plan.PreviousFolder, plan.LiveFolder);
        Posix.SyncDirectory(Path.GetDirectoryName(plan.LiveFolder)!);
        reporter.Warning($"The database did not run on the recovered folder: {plan.PreviousFolder} is back at {plan.LiveFolder}; the recovered folder is kept as {plan.NewFolder}.");
        await StartAgainAsync(database, archiver, writers, stopped, reporter, CancellationToken.None, recreateSlot: false).ConfigureAwait(false);
    }

    /// <summary>
    /// The database first, checked out of recovery; then the archive (with archiving on, its slot
    /// created again before any writer writes, so the new timeline is archived from its start);
    /// then the writers. Returns whether the slot was created again.
    /// </summary>
    private async Task<bool> StartAgainAsync(ApplicationServices database, ApplicationServices archiver, ApplicationServices writers, Stopped stopped, IFrostReporter reporter, CancellationToken cancellationToken, bool recreateSlot = true)
    {
        if (stopped.Database.Count > 0)
        {
            await database.StartAndWaitAsync(stopped.Database, TimeSpan.FromMinutes(5), reporter).ConfigureAwait(false);
            await CheckPromotedAsync().ConfigureAwait(false);
        }

        var archived = recreateSlot && await RecreateSlotAsync(reporter, cancellationToken).ConfigureAwait(false);
        if (!archived && stopped.Archiver.Count > 0)
        {
            await archiver.StartAndWaitAsync(stopped.Archiver, TimeSpan.FromMinutes(1), reporter).ConfigureAwait(false);
        }

        if (stopped.Writers.Count > 0)
        {
            await writers.StartAndWaitAsync(stopped.Writers, TimeSpan.FromMinutes(3), reporter).ConfigureAwait(false);
        }

        return archived;
    }

    /// <summary>The database answers and is out of recovery: writers may start.</summary>
    private async Task CheckPromotedAsync()
    {
        await using var connection = await _session.Database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_is_in_recovery()";
        if (await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false) is true)
        {
            throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                "The database started on the recovered folder but is still in recovery.", _session.Config.Database.Service,
                "Get-FrostLog postgres says why; the previous data folder is kept (see the operation record).");
        }
    }

    /// <summary>The archive's slot is not in a base backup: with archiving on, Enable-FrostWalArchive creates it again (and sets the old timeline's files aside).</summary>
    private async Task<bool> RecreateSlotAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var archiver = new WalArchiver(_session);
        if (!archiver.IsEnabled)
        {
            return false;
        }

        var plan = await archiver.PlanAsync(cancellationToken).ConfigureAwait(false);
        await archiver.EnableHoldingLockAsync(plan, reporter, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Finishes or undoes what a dead Restore-FrostBackup to a point left, from its record and what
    /// the folders hold (not from the stage alone: a rename may have happened after the record was
    /// saved). The recovered folder is complete once the live one has moved (it promoted and shut
    /// down cleanly before anything stopped), so it is put in place; before that, the live folder
    /// was never touched and the recovered one goes. A live path without PG_VERSION (a folder
    /// Docker made for a missing bind path) is never taken for a data folder.
    /// </summary>
    public async Task<string> ResolveInterruptedAsync(OperationRecord record, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var (live, recovered, previous) = (record.Fact(FactLive), record.Fact(FactNew), record.Fact(FactPrevious));
        string done;
        var finished = false;
        if (Directory.Exists(previous) && IsDataFolder(live))
        {
            done = $"the data folders were swapped already; the previous one is kept as {previous} (finished)";
            finished = true;
        }
        else if (Directory.Exists(previous) && IsDataFolder(recovered))
        {
            PutAtLive(recovered, live);
            done = $"the recovered data folder is now {live}, the previous one kept as {previous} (finished)";
            finished = true;
        }
        else if (Directory.Exists(previous) && IsDataFolder(previous))
        {
            PutAtLive(previous, live);
            done = $"the recovered folder is gone, so the previous data folder is back at {live} (undone)";
        }
        else if (IsDataFolder(live))
        {
            if (Directory.Exists(recovered))
            {
                Directory.Delete(recovered, recursive: true);
            }

            done = $"the live data folder {live} was never touched; the unfinished recovered folder is removed (undone)";
        }
        else
        {
            throw new FrostException(ErrorIds.InterruptedOperationUnresolved, FailureKind.OperationFailed,
                $"Neither {live}, {previous} nor {recovered} holds a data folder FrostGuard can put in place; nothing was changed.", live,
                $"Look at the folders beside {live} and put the right one back by hand, then move {record.Path} away.");
        }

        var all = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        var stoppedNow = all.Where(s => record.StoppedServices.Contains(s.ContainerId) && !s.IsRunning).ToList();
        var stopped = new Stopped(
            stoppedNow.Where(s => s.Service != _session.Config.Database.Service && s.Service != _session.Config.WalArchive.Service).ToList(),
            stoppedNow.Where(s => s.Service == _session.Config.WalArchive.Service).ToList(),
            stoppedNow.Where(s => s.Service == _session.Config.Database.Service).ToList());
        await StartAgainAsync(
            new ApplicationServices(_session, [_session.Config.Database.Service]),
            new ApplicationServices(_session, [_session.Config.WalArchive.Service]),
            new ApplicationServices(_session, stopped.Writers.Select(s => s.Service).Distinct(StringComparer.Ordinal).ToList()),
            stopped, reporter, cancellationToken, recreateSlot: finished).ConfigureAwait(false);
        _session.OperationRecords.End(record);
        return $"{record.Interruption}: {done}; started again: {(stoppedNow.Count == 0 ? "nothing was stopped" : string.Join(", ", stoppedNow))}.";
    }

    /// <summary>Puts <paramref name="from"/> at the live data path, durably; whatever stands there (an empty folder a failed start left) is moved aside, never removed.</summary>
    private static void PutAtLive(string from, string live)
    {
        if (Directory.Exists(live))
        {
            Directory.Move(live, live + ".empty-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        }

        Directory.Move(from, live);
        Posix.SyncDirectory(Path.GetDirectoryName(live)!);
    }
}
