using System.Diagnostics;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// Update-FrostDeployment and Undo-FrostDeployment: preflight, a pre-update backup, a release
/// record, an optional fast-forward pull, the new version applied by Compose, a wait for health
/// and the health checks; when any of that fails, the previous release is put back the same way
/// and both the failure and the rollback are reported with the downtime measured. Both hold the
/// deployment lock, and keep an operation record from the first change on, so the next
/// FrostGuard command puts back what a killed update changed, and finishes a killed undo.
/// </summary>
public sealed class DeploymentUpdater
{
    public const int ProgressId = 6100;
    private readonly FrostSession _session;
    private readonly IDeploymentWork _work;
    private readonly ReleaseStore _store;

    private const string FactPrevious = "previousRelease";
    private const string FactTarget = "targetRelease";
    private const string FactRestoreDatabase = "restoreDatabase";
    private const string FactRestored = "restoredFrom";

    /// <param name="work">What updates do to Compose, Docker, git, the .env and the database; for real by default.</param>
    public DeploymentUpdater(FrostSession session, IDeploymentWork? work = null)
    {
        _session = session;
        _work = work ?? new DeploymentWork(session);
        _store = new ReleaseStore(session.StateFolder, session.Config.Project.Name);
    }

    public ReleaseStore Store => _store;

    public async Task<FrostUpdateResult> UpdateAsync(UpdateRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var progress = new ProgressUpdate(ProgressId, "Update-FrostDeployment", "");
        void Step(int number, string what) => reporter.Progress(progress with { Status = $"Step {number} of 7: {what}", PercentComplete = (number - 1) * 100 / 7 });
        await using var probe = _work.OpenAvailability();
        if (!probe.Measures)
        {
            reporter.Warning($"No health.healthUrl in {_session.Config.SourcePath}: downtime is not measured, and health means the containers' own health checks only.");
        }

        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, "Update-FrostDeployment");
        var records = _session.OperationRecords;
        try
        {
            Step(1, "preflight");
            var targets = await _work.PreflightAsync(request, probe, reporter, cancellationToken).ConfigureAwait(false);

            string? backupId = null;
            if (!request.SkipBackup)
            {
                Step(2, "pre-update backup");
                var backup = await _work.BackupAsync($"before update to {request.Version ?? "the deployment directory's latest"}", reporter, cancellationToken).ConfigureAwait(false);
                backupId = backup.Id;
            }

            Step(3, "release record");
            var previous = await RecordCurrentAsync(backupId, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"release {previous.Id} recorded at {previous.Path}: {previous}");
            var record = records.Begin(OperationRecord.Update, $"Update-FrostDeployment{(request.Version is null ? "" : " -Version " + request.Version)}",
                new Dictionary<string, string> { [FactPrevious] = previous.Id });
            record = records.Save(record.At(CrashPoints.UpdateReleaseRecorded));
            CrashPoints.Reach(CrashPoints.UpdateReleaseRecorded);

            var applied = new List<string>();
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (request.Pull)
                {
                    Step(4, "git pull --ff-only");
                    await _work.PullAsync(reporter, cancellationToken).ConfigureAwait(false);
                }

                Step(5, "apply with Compose");
                if (request.Version is { } version)
                {
                    _work.WriteTags(targets.ToDictionary(DeploymentState.TagKey, _ => version));
                    reporter.Verbose($"{_work.EnvPath}: {string.Join(", ", targets.Select(t => $"{DeploymentState.TagKey(t)}={version}"))}");
                    record = records.Save(record.At(CrashPoints.UpdateEnvWritten));
                    CrashPoints.Reach(CrashPoints.UpdateEnvWritten);
                }

                var upServices = request.Version is null ? (IReadOnlyList<string>)request.Services : targets;
                applied.AddRange(upServices);
                var beforeUp = Stopwatch.GetTimestamp();
                await _work.UpAsync(upServices, request.HealthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
                record = records.Save(record.At(CrashPoints.UpdateApplied));
                CrashPoints.Reach(CrashPoints.UpdateApplied);

                Step(6, "wait for health");
                await _work.WaitHealthyAsync(upServices, probe, beforeUp, request.HealthTimeout, reporter, cancellationToken).ConfigureAwait(false);
                var health = await VerifyAsync(reporter, cancellationToken).ConfigureAwait(false);

                var release = await _work.CaptureAsync(request.Version, FrostReleaseStatus.Deployed,
                    $"Update-FrostDeployment{(request.Version is null ? "" : " -Version " + request.Version)}{(request.Pull ? " -Pull" : "")}", CancellationToken.None).ConfigureAwait(false);
                _store.Save(release);
                _store.SetCurrent(release.Id);
                records.End(record);
                reporter.Progress(progress with { Status = "done", PercentComplete = 100 });
                return new FrostUpdateResult
                {
                    Project = _session.Config.Project.Name,
                    Action = FrostUpdateAction.Update,
                    Succeeded = true,
                    FromRelease = previous.Id,
                    ToRelease = release.Id,
                    CurrentRelease = release.Id,
                    Version = request.Version,
                    Services = applied,
                    BackupId = backupId,
                    Downtime = probe.Downtime(started),
                    Duration = clock.Elapsed,
                    Health = health,
                };
            }
            catch (Exception e)
            {
                // Any failure once things began to change, a bug's exception included, puts the release before back.
                Step(7, "rolling back");
                FrostUpdateResult result;
                try
                {
                    result = await RollBackAsync(request, previous, e, applied, backupId, probe, started, clock, reporter).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    records.End(record); // rolled back after Ctrl+C; the stop is passed on
                    throw;
                }
                catch (Exception rollbackFailure)
                {
                    records.Fail(record, rollbackFailure); // the next update or undo puts the release before back
                    throw;
                }

                // A failed rollback keeps the record: the next command tries again to put the release before back.
                records.End(record);
                return result;
            }
        }
        finally
        {
            reporter.Progress(progress with { Completed = true });
        }
    }

    public async Task<FrostUpdateResult> UndoAsync(UndoRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, "Undo-FrostDeployment");
        return await UndoHoldingLockAsync(request, reporter, cancellationToken).ConfigureAwait(false);
    }

    private async Task<FrostUpdateResult> UndoHoldingLockAsync(UndoRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var progress = new ProgressUpdate(ProgressId, "Undo-FrostDeployment", "");
        await using var probe = _work.OpenAvailability();
        var records = _session.OperationRecords;
        try
        {
            var target = ResolveUndoTarget(request.To);
            var from = _store.CurrentId();
            // Written before the first change: a killed undo is finished by the next command (the same undo again).
            var record = records.Begin(OperationRecord.Undo, $"Undo-FrostDeployment -To {target.Id}{(request.RestoreDatabase ? " -RestoreDatabase" : "")}",
                new Dictionary<string, string> { [FactTarget] = target.Id, [FactRestoreDatabase] = request.RestoreDatabase ? "true" : "false" });
            try
            {
                return await UndoRecordedAsync(request, target, from, record, records, probe, progress, clock, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                // Whatever failed (Ctrl+C too), the release record and what runs may disagree: the next update or undo finishes it.
                records.Fail(records.Find(OperationRecord.Undo) ?? record, failure);
                throw;
            }
        }
        finally
        {
            reporter.Progress(progress with { Completed = true });
        }
    }

    private async Task<FrostUpdateResult> UndoRecordedAsync(UndoRequest request, FrostRelease target, string? from, OperationRecord record, OperationRecords records,
        IAvailability probe, ProgressUpdate progress, Stopwatch clock, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        {
            reporter.Progress(progress with { Status = $"applying release {target.Id}", PercentComplete = 10 });
            var started = Stopwatch.GetTimestamp();
            var services = await ApplyReleaseAsync(target, request.HealthTimeout, probe, reporter, cancellationToken).ConfigureAwait(false);
            record = records.Save(record.At(CrashPoints.UndoReleaseApplied));
            CrashPoints.Reach(CrashPoints.UndoReleaseApplied);

            string? restored = null;
            if (request.RestoreDatabase)
            {
                reporter.Progress(progress with { Status = $"restoring backup {target.BackupId}", PercentComplete = 60 });
                var backup = FindBackup(target, reporter);
                var restore = await _work.RestoreAsync(new RestoreRequest { Backup = backup, HealthTimeout = request.HealthTimeout, DropTablesNotInBackup = true }, reporter, cancellationToken).ConfigureAwait(false);
                restored = restore.BackupId;
                // Done once: finishing this undo later must not put an old backup over what was written since.
                record = records.Save(record.With(FactRestored, restored));
                reporter.Verbose($"database restored from {restore.BackupId} (safety backup {restore.SafetyBackupId})");
            }

            reporter.Progress(progress with { Status = "health checks", PercentComplete = 90 });
            var health = await VerifyAsync(reporter, cancellationToken).ConfigureAwait(false);
            _store.SetCurrent(target.Id);
            records.End(record);
            return new FrostUpdateResult
            {
                Project = _session.Config.Project.Name,
                Action = FrostUpdateAction.Undo,
                Succeeded = true,
                FromRelease = from,
                ToRelease = target.Id,
                CurrentRelease = target.Id,
                Version = target.Version,
                Services = services,
                BackupId = restored,
                Downtime = probe.Downtime(started),
                Duration = clock.Elapsed,
                Health = health,
            };
        }
    }

    /// <summary>An update whose process died: the release before it is put back and recorded current (undone).</summary>
    public async Task<string> ResolveInterruptedUpdateAsync(OperationRecord record, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        // The caller holds the deployment lock and read the record again under it. The release
        // before is applied whatever the stage: a -Pull or a Compose run without -Version changes
        // things before any later stage is recorded, and applying an unchanged release changes nothing.
        var since = record.Interruption;
        var previous = _store.Get(record.Fact(FactPrevious));
        await using var probe = _work.OpenAvailability();
        await ApplyReleaseAsync(previous, TimeSpan.FromSeconds(180), probe, reporter, cancellationToken).ConfigureAwait(false);
        var done = $"Undone: release {previous.Id} was applied again";

        _store.SetCurrent(previous.Id);
        _session.OperationRecords.End(record);
        return $"{since}. {done}.";
    }

    /// <summary>An undo whose process died: it runs again to the same release (finished).</summary>
    public async Task<string> ResolveInterruptedUndoAsync(OperationRecord record, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var since = record.Interruption;
        var restoredBefore = record.Fact(FactRestored);
        var result = await UndoHoldingLockAsync(new UndoRequest
        {
            To = record.Fact(FactTarget), RestoreDatabase = record.Fact(FactRestoreDatabase) == "true" && restoredBefore.Length == 0,
        }, reporter, cancellationToken).ConfigureAwait(false);
        var database = result.BackupId is { } b ? $", its database restored from {b}" : restoredBefore.Length > 0 ? $", its database restored from {restoredBefore} before" : "";
        return $"{since}. Finished: release {result.ToRelease} applied{database} and recorded current.";
    }

    /// <summary>The release Undo goes back to: the one named, else the newest deployed release before the current one.</summary>
    public FrostRelease ResolveUndoTarget(string? id)
    {
        if (id is not null)
        {
            return _store.Get(id);
        }

        var releases = _store.List();
        var current = releases.FirstOrDefault(r => r.IsCurrent);
        var candidate = releases.Where(r => r.Status == FrostReleaseStatus.Deployed && !r.IsCurrent && (current is null || r.Created < current.Created)).FirstOrDefault();
        return candidate ?? throw new FrostException(ErrorIds.ReleaseNotFound, FailureKind.NotFound,
            $"There is no deployed release before the current one ({current?.Id ?? "none"}) in {_store.Folder}.", current?.Id,
            "Get-FrostRelease lists the releases; pass one with -To.");
    }

    /// <summary>The state before the update as a release: the current record when it matches, else a new one.</summary>
    private async Task<FrostRelease> RecordCurrentAsync(string? backupId, CancellationToken cancellationToken)
    {
        var observed = await _work.CaptureAsync(null, FrostReleaseStatus.Deployed,
            "the deployment as found before an update", cancellationToken).ConfigureAwait(false);
        var current = _store.List().FirstOrDefault(r => r.IsCurrent);
        var release = current is not null && DeploymentState.SameState(current, observed) ? current : observed;
        if (backupId is not null)
        {
            release.BackupId = backupId;
        }

        _store.Save(release);
        _store.SetCurrent(release.Id);
        return release;
    }

    private async Task<FrostUpdateResult> RollBackAsync(UpdateRequest request, FrostRelease previous, Exception failure, IReadOnlyList<string> applied,
        string? backupId, IAvailability probe, long started, Stopwatch clock, IFrostReporter reporter)
    {
        var failureMessage = failure switch
        {
            FrostException f => f.Message,
            OperationCanceledException => "the update was stopped (Ctrl+C) before it finished",
            _ => $"{failure.GetType().Name}: {failure.Message}",
        };
        reporter.Warning($"The update failed: {failureMessage} Rolling back to release {previous.Id}.");
        // The failed release as it ran (its containers are still there), kept in the history.
        FrostRelease attempted;
        try
        {
            attempted = await _work.CaptureAsync(request.Version, FrostReleaseStatus.RolledBack,
                $"failed: {failureMessage}", CancellationToken.None).ConfigureAwait(false);
        }
        catch (FrostException captureFailure)
        {
            // Reading the failed state must not stop the rollback: the record keeps what is known.
            reporter.Warning($"Could not read the failed release's containers ({captureFailure.Message}); its record has no image ids.");
            attempted = new FrostRelease
            {
                Id = ReleaseStore.NewId(DateTimeOffset.UtcNow),
                Project = _session.Config.Project.Name,
                Created = DateTimeOffset.UtcNow,
                Status = FrostReleaseStatus.RolledBack,
                Version = request.Version,
                Services = [],
                Tags = _work.ReadTags(),
                ComposeHash = _work.ComposeHash(),
                Note = $"failed: {failureMessage}",
            };
        }
        var rollbackStart = Stopwatch.GetTimestamp();
        var rollbackClock = Stopwatch.StartNew();
        IReadOnlyList<FrostHealthResult> health;
        try
        {
            await ApplyReleaseAsync(previous, request.HealthTimeout, probe, reporter, CancellationToken.None).ConfigureAwait(false);
            health = await VerifyAsync(reporter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (FrostException rollbackFailure)
        {
            attempted.Status = FrostReleaseStatus.Failed;
            attempted.Note = $"failed: {failureMessage} The rollback to {previous.Id} failed too: {rollbackFailure.Message}";
            _store.Save(attempted);
            throw new FrostException(ErrorIds.RollbackFailed, FailureKind.OperationFailed,
                $"The update failed ({failureMessage}) and the rollback to release {previous.Id} failed too: {rollbackFailure.Message}",
                previous.Id, $"{rollbackFailure.RecommendedAction} Then Undo-FrostDeployment -To {previous.Id}.", new AggregateException(failure, rollbackFailure));
        }

        var rollbackDuration = rollbackClock.Elapsed;
        _store.Save(attempted);
        _store.SetCurrent(previous.Id);
        var rollbackDowntime = probe.UntilUp(rollbackStart) ?? rollbackDuration;
        RecoveryMeasurements.TryRecord(_session.StateFolder, "rollback", rollbackDuration, $"Update-FrostDeployment rollback to {previous.Id}", reporter);
        if (failure is OperationCanceledException)
        {
            reporter.Warning($"Rolled back to {previous.Id} after the stop, in {rollbackDuration.TotalSeconds:0.0} s.");
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return new FrostUpdateResult
        {
            Project = _session.Config.Project.Name,
            Action = FrostUpdateAction.Update,
            Succeeded = false,
            RolledBack = true,
            FromRelease = previous.Id,
            ToRelease = attempted.Id,
            CurrentRelease = previous.Id,
            Version = request.Version,
            Services = applied,
            BackupId = backupId,
            Failure = failureMessage,
            Downtime = probe.Downtime(started),
            RollbackDowntime = rollbackDowntime,
            RollbackDuration = rollbackDuration,
            Duration = clock.Elapsed,
            Health = health,
        };
    }

    /// <summary>Puts a release's tags and commit back and lets Compose recreate what differs; returns the services brought up (empty: all).</summary>
    private async Task<IReadOnlyList<string>> ApplyReleaseAsync(FrostRelease release, TimeSpan healthTimeout, IAvailability probe, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var commitChanged = false;
        if (release.GitCommit is { } commit && await _work.GitHeadAsync(cancellationToken).ConfigureAwait(false) is { } head && head != commit)
        {
            await _work.GitResetAsync(commit, reporter, cancellationToken).ConfigureAwait(false);
            commitChanged = true;
        }

        var now = _work.ReadTags();
        var changed = release.Tags.Where(t => !now.TryGetValue(t.Key, out var v) || v != t.Value).ToDictionary(t => t.Key, t => t.Value);
        if (changed.Count > 0)
        {
            _work.WriteTags(changed);
            reporter.Verbose($"{_work.EnvPath}: {string.Join(", ", changed.Select(c => $"{c.Key}={c.Value}"))}");
        }

        // Only the services whose tag changed, unless the compose files may have changed too.
        var services = commitChanged
            ? []
            : release.Services.Select(s => s.Service).Where(s => changed.ContainsKey(DeploymentState.TagKey(s))).ToList();
        var beforeUp = Stopwatch.GetTimestamp();
        await _work.UpAsync(services, healthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
        await _work.WaitHealthyAsync(services, probe, beforeUp, healthTimeout, reporter, cancellationToken).ConfigureAwait(false);
        return services;
    }

    /// <summary>The deployment's verification after a change: a Critical result fails it, Warnings are reported, not acted on.</summary>
    private async Task<IReadOnlyList<FrostHealthResult>> VerifyAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var results = await _work.HealthChecksAsync(reporter, cancellationToken).ConfigureAwait(false);
        var critical = results.Where(r => r.Status == HealthStatus.Critical).ToList();
        if (critical.Count > 0)
        {
            throw new FrostException(ErrorIds.UpdateHealthCheckFailed, FailureKind.OperationFailed,
                $"Test-FrostHealth after the change: {string.Join("; ", critical.Select(c => $"{c.Check} {c.Target}: {c.Message}"))}",
                string.Join(",", critical.Select(c => c.Target)), "Read the results with Test-FrostHealth, and the logs with Get-FrostLog.");
        }

        foreach (var warning in results.Where(r => r.Status == HealthStatus.Warning))
        {
            reporter.Warning($"After the change: {warning.Check} {warning.Target}: {warning.Message}");
        }

        return results;
    }

    private FrostBackup FindBackup(FrostRelease release, IFrostReporter reporter)
    {
        if (release.BackupId is not { } id)
        {
            throw new FrostException(ErrorIds.ReleaseNotFound, FailureKind.NotFound,
                $"Release {release.Id} has no backup recorded (the update that left it ran with -SkipBackup), so its database cannot be restored.", release.Id,
                "Leave out -RestoreDatabase, or restore a backup of your choice: Get-FrostBackup | Restore-FrostBackup.");
        }

        return _work.Backups(reporter).FirstOrDefault(b => b.Id == id) ?? throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
            $"The backup {id} of release {release.Id} is not in {_session.BackupRoot} any more.", id,
            "Get-FrostBackup lists the backups; restore one by hand with Restore-FrostBackup.");
    }
}
