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
    private const string FactSlotFrom = "slotFrom";
    private const string FactSlotTo = "slotTo";
    private const string FactIdleTagPrefix = "idleTag.";

    private readonly Switching.SlotDeployer? _slots;

    /// <param name="work">What updates do to Compose, Docker, git, the .env and the database; for real by default.</param>
    public DeploymentUpdater(FrostSession session, IDeploymentWork? work = null)
    {
        _session = session;
        _work = work ?? new DeploymentWork(session);
        _store = new ReleaseStore(session.StateFolder, session.Config.Project.Name);
        _slots = _work.Slots is { } slots
            ? new Switching.SlotDeployer(slots, TimeSpan.FromSeconds(session.Config.Update.Proxy?.DrainTimeoutSeconds ?? 30))
            : null;
    }

    /// <summary>For -WhatIf and the confirmation: how the slots' service changes (null without slots, or for the stopThenStart strategy).</summary>
    public static string? DescribeSwitch(FrostSession session)
    {
        if (!session.Config.Update.BlueGreen)
        {
            return null;
        }

        var slots = session.Slots;
        var serving = slots.Serving();
        if (serving is null)
        {
            return $"{slots.Logical}: the .env names no serving slot (COMPOSE_PROFILES), so the update will stop before any change";
        }

        var idle = slots.Other(serving);
        var proxy = session.Config.Update.Proxy!;
        return $"{slots.Logical}: the release starts in slot {idle.Name} ({idle.Service}, port {idle.Port}) beside slot {serving.Name}, which keeps serving; "
            + $"only once {idle.Name} is healthy is {proxy.UpstreamPath} rewritten, tested ({string.Join(' ', proxy.TestCommand)}), nginx reloaded and the switch verified through {proxy.InternalUrl}; "
            + $"then {serving.Name} drains (up to {proxy.DrainTimeoutSeconds} s) and is stopped, kept for a fast undo. A release that fails its health check never takes a request";
    }

    /// <summary>The service the slots serve (backend).</summary>
    private string SlotService => _session.Config.Update.Service;

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
            await ReconcileSlotsIfNeededAsync(reporter, cancellationToken).ConfigureAwait(false);
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
            Switching.SlotMove? move = null;
            try
            {
                if (request.Pull)
                {
                    Step(4, "git pull --ff-only");
                    await _work.PullAsync(reporter, cancellationToken).ConfigureAwait(false);
                }

                var upServices = request.Version is null ? (IReadOnlyList<string>)request.Services : targets;
                var slotted = _slots is not null && (upServices.Count == 0 || upServices.Contains(SlotService));
                if (slotted)
                {
                    upServices = upServices.Count == 0
                        ? (await _work.ServiceNamesAsync(cancellationToken).ConfigureAwait(false)).Where(s => s != SlotService).ToList()
                        : upServices.Where(s => s != SlotService).ToList();
                }

                Step(5, slotted ? "the new release beside the serving one" : "apply with Compose");
                if (request.Version is { } version && upServices.Count > 0)
                {
                    var tags = upServices.SelectMany(TagKeysOf).Distinct(StringComparer.Ordinal).ToDictionary(k => k, _ => version, StringComparer.Ordinal);
                    _work.WriteTags(tags);
                    reporter.Verbose($"{_work.EnvPath}: {string.Join(", ", tags.Select(t => $"{t.Key}={t.Value}"))}");
                }

                if (request.Version is not null)
                {
                    record = records.Save(record.At(CrashPoints.UpdateEnvWritten));
                    CrashPoints.Reach(CrashPoints.UpdateEnvWritten);
                }

                var beforeUp = Stopwatch.GetTimestamp();
                if (slotted)
                {
                    var tag = request.Version ?? _work.Slots!.TagOf(_slots!.ServingOrThrow()) ?? throw new InvalidOperationException("the serving slot has no tag in the .env");
                    move = await _slots!.DeployAsync(tag, request.HealthTimeout,
                        (from, to, idleTag) => record = records.Save(record.With(FactSlotFrom, from.Name).With(FactSlotTo, to.Name).With(FactIdleTagPrefix + to.Name, idleTag ?? "")),
                        () => RestoreAdvice(previous, backupId), reporter, cancellationToken).ConfigureAwait(false);
                    applied.Add(SlotService);
                    if (upServices.Count > 0)
                    {
                        if (request.Version is not null)
                        {
                            await _work.UpOverlappingAsync(upServices, request.HealthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            await _work.UpAsync(upServices, request.HealthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                else
                {
                    await _work.UpAsync(upServices, request.HealthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
                }

                applied.AddRange(upServices);
                record = records.Save(record.At(CrashPoints.UpdateApplied));
                CrashPoints.Reach(CrashPoints.UpdateApplied);

                Step(6, "wait for health");
                await _work.WaitHealthyAsync(slotted ? [.. applied] : upServices, probe, beforeUp, request.HealthTimeout, reporter, cancellationToken).ConfigureAwait(false);
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
                    ServingSlot = move?.To.Name ?? _work.Slots?.Serving()?.Name,
                    Switched = move is not null && move.From.Name != move.To.Name,
                };
            }
            catch (FrostException e) when (e.ErrorId == ErrorIds.SlotsUnhealthyAfterMigration)
            {
                // Nothing is rolled back automatically: the database is the operator's decision (the error says which command and what it loses).
                var failed = await _work.CaptureAsync(request.Version, FrostReleaseStatus.Failed, $"failed: {e.Message}", CancellationToken.None).ConfigureAwait(false);
                _store.Save(failed);
                records.End(record);
                throw;
            }
            catch (Exception e)
            {
                // Any failure once things began to change, a bug's exception included, puts the release before back.
                Step(7, "rolling back");
                FrostUpdateResult result;
                try
                {
                    result = await RollBackAsync(request, previous, e, applied, backupId, probe, started, clock, reporter, switched: move is not null).ConfigureAwait(false);
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
            await ReconcileSlotsIfNeededAsync(reporter, cancellationToken).ConfigureAwait(false);
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
            var servingBefore = _work.Slots?.Serving()?.Name;
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
                ServingSlot = _work.Slots?.Serving()?.Name,
                Switched = servingBefore is not null && servingBefore != _work.Slots?.Serving()?.Name,
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
        if (_slots is not null && record.Fact(FactSlotFrom) is { Length: > 0 } from)
        {
            var idleTags = _work.Slots!.Slots.Where(s => record.Fact(FactIdleTagPrefix + s.Name).Length > 0)
                .ToDictionary(s => s.Name, s => record.Fact(FactIdleTagPrefix + s.Name));
            var found = await _slots.ReconcileAsync(idleTags, reporter, cancellationToken).ConfigureAwait(false);
            try
            {
                // The release before goes back by a switch when it no longer serves (its slot was kept).
                await ApplyReleaseAsync(previous, TimeSpan.FromSeconds(180), probe, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (FrostException failure) when (failure.ErrorId != ErrorIds.RollbackFailed)
            {
                if (!await ServingIsHealthyAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }

                // The release before does not turn healthy in its slot: the new one keeps serving, and is what is recorded.
                var kept = await _work.CaptureAsync(null, FrostReleaseStatus.Deployed, $"kept after an interrupted update: release {previous.Id} did not turn healthy ({failure.Message})", cancellationToken).ConfigureAwait(false);
                _store.Save(kept);
                _store.SetCurrent(kept.Id);
                _session.OperationRecords.End(record);
                return $"{since}. {found} Release {previous.Id} did not turn healthy again ({failure.Message}), so slot {_work.Slots!.Serving()?.Name} keeps serving the new release, recorded as {kept.Id}.";
            }

            _store.SetCurrent(previous.Id);
            _session.OperationRecords.End(record);
            return $"{since}. {found} Undone: release {previous.Id} was applied again.";
        }

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
        string? backupId, IAvailability probe, long started, Stopwatch clock, IFrostReporter reporter, bool switched)
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
        if (_slots is not null && !switched)
        {
            attempted.Note += $" No downtime: the proxy was never switched, slot {_work.Slots!.Serving()?.Name} kept serving release {previous.Id}.";
        }

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
            ServingSlot = _work.Slots?.Serving()?.Name,
            Switched = false,
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
        var slotKeys = SlotTagKeys();
        var changed = release.Tags.Where(t => !slotKeys.Contains(t.Key) && (!now.TryGetValue(t.Key, out var v) || v != t.Value)).ToDictionary(t => t.Key, t => t.Value);
        if (changed.Count > 0)
        {
            _work.WriteTags(changed);
            reporter.Verbose($"{_work.EnvPath}: {string.Join(", ", changed.Select(c => $"{c.Key}={c.Value}"))}");
        }

        // Only the services whose tag changed, unless the compose files may have changed too.
        IReadOnlyList<string> services = commitChanged
            ? []
            : release.Services.Select(s => s.Service).Where(s => changed.ContainsKey(DeploymentState.TagKey(s))).ToList();
        var beforeUp = Stopwatch.GetTimestamp();
        if (_slots is not null && release.Tags.TryGetValue(DeploymentState.TagKey(SlotService), out var wanted))
        {
            // The slots' service goes back by a switch: the release starts in the idle slot (its container kept stopped when it ran there last) and takes over once healthy.
            var serving = _slots.ServingOrThrow();
            if (commitChanged || _work.Slots!.TagOf(serving) != wanted)
            {
                await _slots.DeployAsync(wanted, healthTimeout, (_, _, _) => { }, () => "Undo-FrostDeployment -RestoreDatabase puts a release's backup back; read Get-FrostRelease first.",
                    reporter, cancellationToken).ConfigureAwait(false);
            }

            services = commitChanged
                ? (await _work.ServiceNamesAsync(cancellationToken).ConfigureAwait(false)).Where(s => s != SlotService).ToList()
                : services.Where(s => s != SlotService).ToList();
            if (services.Count > 0)
            {
                await _work.UpAsync(services, healthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
            }

            await _work.WaitHealthyAsync([.. services, SlotService], probe, beforeUp, healthTimeout, reporter, cancellationToken).ConfigureAwait(false);
            return [.. services, SlotService];
        }

        await _work.UpAsync(services, healthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
        await _work.WaitHealthyAsync(services, probe, beforeUp, healthTimeout, reporter, cancellationToken).ConfigureAwait(false);
        return services;
    }

    /// <summary>
    /// Before a change: when the proxy's include, what nginx serves and the .env disagree about
    /// the serving slot (a crash, a hand edit), one healthy slot is made to serve first, and said.
    /// </summary>
    private async Task ReconcileSlotsIfNeededAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (_slots is null)
        {
            return;
        }

        var named = _work.Slots!.Serving()?.Name;
        var served = await _work.Slots.Switch.ServedAsync(cancellationToken).ConfigureAwait(false);
        if (_work.Slots.Switch.Written()?.Name == named && served?.Target == named)
        {
            return;
        }

        var said = await _slots.ReconcileAsync(new Dictionary<string, string>(), reporter, cancellationToken).ConfigureAwait(false);
        reporter.Warning($"The slots were not consistent before this command. {said}");
    }

    /// <summary>
    /// The .env keys a version is written to: the service's tag; with slots but the stopThenStart
    /// strategy, the serving slot's tag too (its image line reads that one), as it is recreated in place.
    /// </summary>
    private IEnumerable<string> TagKeysOf(string service)
    {
        yield return DeploymentState.TagKey(service);
        if (_slots is null && service == SlotService && _session.Slots is { Any: true } slots && slots.Serving() is { } serving)
        {
            yield return DeploymentState.TagKey(serving.Service);
        }
    }

    private async Task<bool> ServingIsHealthyAsync(CancellationToken cancellationToken) =>
        _work.Slots!.Serving() is { } serving && (await _work.Slots.ConditionAsync(serving, cancellationToken).ConfigureAwait(false)).Healthy;

    /// <summary>The .env keys the slots own (each slot's tag and the release tag of the slots' service), which only a switch changes.</summary>
    private HashSet<string> SlotTagKeys() => _slots is null
        ? []
        : [DeploymentState.TagKey(SlotService), .. _work.Slots!.Slots.Select(s => DeploymentState.TagKey(s.Service))];

    /// <summary>What the operator can do when neither slot is healthy after a migration, and what it costs.</summary>
    private string RestoreAdvice(FrostRelease previous, string? backupId)
    {
        if (backupId is null)
        {
            return $"This update took no backup (-SkipBackup). Fix forward with Update-FrostDeployment -Version <a fixed release>, or restore a backup of your choice (Get-FrostBackup | Restore-FrostBackup), losing every write since it was taken.";
        }

        var backup = _work.Backups(NullReporter.Instance).FirstOrDefault(b => b.Id == backupId);
        var taken = backup is null ? "" : $" taken {backup.Created:u}";
        return $"Fix forward with Update-FrostDeployment -Version <a fixed release>, or go back with `Undo-FrostDeployment -To {previous.Id} -RestoreDatabase`: it restores backup {backupId}{taken} and loses every write made since then (the old release kept writing during the update).";
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
