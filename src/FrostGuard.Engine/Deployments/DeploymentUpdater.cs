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
    private const long MinimumFreeBytes = 512L * 1024 * 1024;

    private readonly FrostSession _session;
    private readonly DeploymentState _state;
    private readonly ReleaseStore _store;

    private const string FactPrevious = "previousRelease";
    private const string FactTarget = "targetRelease";
    private const string FactRestoreDatabase = "restoreDatabase";
    private const string FactRestored = "restoredFrom";

    public DeploymentUpdater(FrostSession session)
    {
        _session = session;
        _state = new DeploymentState(session);
        _store = new ReleaseStore(session.StateFolder, session.Config.Project.Name);
    }

    public ReleaseStore Store => _store;

    public async Task<FrostUpdateResult> UpdateAsync(UpdateRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var progress = new ProgressUpdate(ProgressId, "Update-FrostDeployment", "");
        void Step(int number, string what) => reporter.Progress(progress with { Status = $"Step {number} of 7: {what}", PercentComplete = (number - 1) * 100 / 7 });
        await using var probe = new AvailabilityProbe(_session.Config);
        if (!probe.Measures)
        {
            reporter.Warning($"No health.healthUrl in {_session.Config.SourcePath}: downtime is not measured, and health means the containers' own health checks only.");
        }

        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, "Update-FrostDeployment");
        var records = _session.OperationRecords;
        try
        {
            Step(1, "preflight");
            var targets = await PreflightAsync(request, probe, reporter, cancellationToken).ConfigureAwait(false);

            string? backupId = null;
            if (!request.SkipBackup)
            {
                Step(2, "pre-update backup");
                var backup = await new BackupRunner(_session).RunAsync(new BackupRequest
                {
                    Label = $"before update to {request.Version ?? "the deployment directory's latest"}",
                    Verify = true,
                }, reporter, cancellationToken).ConfigureAwait(false);
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
                    await new GitCheckout(_state.Directory).PullAsync(reporter, cancellationToken).ConfigureAwait(false);
                }

                Step(5, "apply with Compose");
                if (request.Version is { } version)
                {
                    _state.WriteTags(targets.ToDictionary(DeploymentState.TagKey, _ => version));
                    reporter.Verbose($"{_state.EnvPath}: {string.Join(", ", targets.Select(t => $"{DeploymentState.TagKey(t)}={version}"))}");
                    record = records.Save(record.At(CrashPoints.UpdateEnvWritten));
                    CrashPoints.Reach(CrashPoints.UpdateEnvWritten);
                }

                var upServices = request.Version is null ? (IReadOnlyList<string>)request.Services : targets;
                applied.AddRange(upServices);
                var beforeUp = Stopwatch.GetTimestamp();
                await _state.Compose.UpAsync(upServices, request.HealthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
                record = records.Save(record.At(CrashPoints.UpdateApplied));
                CrashPoints.Reach(CrashPoints.UpdateApplied);

                Step(6, "wait for health");
                await _state.WaitHealthyAsync(upServices, probe, beforeUp, request.HealthTimeout, ProgressId + 1, reporter, cancellationToken, ProgressId).ConfigureAwait(false);
                var health = await VerifyAsync(reporter, cancellationToken).ConfigureAwait(false);

                var release = await _state.CaptureAsync(ReleaseStore.NewId(DateTimeOffset.UtcNow), request.Version, FrostReleaseStatus.Deployed,
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
        await using var probe = new AvailabilityProbe(_session.Config);
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
        AvailabilityProbe probe, ProgressUpdate progress, Stopwatch clock, IFrostReporter reporter, CancellationToken cancellationToken)
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
                var restore = await new DatabaseRestorer(_session).RestoreHoldingLockAsync(new RestoreRequest { Backup = backup, HealthTimeout = request.HealthTimeout, DropTablesNotInBackup = true }, reporter, cancellationToken).ConfigureAwait(false);
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
        await using var probe = new AvailabilityProbe(_session.Config);
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

    private async Task<IReadOnlyList<string>> PreflightAsync(UpdateRequest request, AvailabilityProbe probe, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var directory = _state.Directory;
        foreach (var file in _state.Compose.Files().Append(_state.EnvPath))
        {
            if (!File.Exists(file))
            {
                throw Preflight($"{file} does not exist.", file, $"Check project.directory and project.composeFiles in {_session.Config.SourcePath}.");
            }
        }

        foreach (var folder in new[] { directory, _session.StateFolder }.Distinct())
        {
            if (folder == _session.StateFolder)
            {
                PrivateFiles.CreateFolder(folder);
            }

            var free = new DriveInfo(folder).AvailableFreeSpace;
            reporter.Verbose($"{folder}: {free / 1048576.0:N0} MB free");
            if (free < MinimumFreeBytes)
            {
                throw Preflight($"{folder} has {free / 1048576.0:N0} MB free, less than the {MinimumFreeBytes / 1048576} MB an update needs.", folder,
                    $"Free space there (`df -h {folder}`; Invoke-FrostBackupRetention for old backups).");
            }
        }

        if (request.Pull && !new GitCheckout(directory).IsCheckout)
        {
            throw Preflight($"-Pull was given but {directory} is not a git checkout.", directory, "Leave out -Pull, or make the deployment directory a git clone.");
        }

        var containers = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        var sick = containers.Where(s => !(s.IsRunning && s.Health is FrostContainerHealth.healthy or FrostContainerHealth.none)).ToList();
        if (containers.Count == 0 || sick.Count > 0)
        {
            throw Preflight(containers.Count == 0
                    ? $"Project {_session.Config.Project.Name} has no containers; there is nothing to update from."
                    : $"The deployment is not healthy before the update: {string.Join(", ", sick.Select(s => $"{s} is {s.State}/{s.Health}"))}.",
                _session.Config.Project.Name, "Make it healthy first (Test-FrostHealth, Get-FrostLog), or go back with Undo-FrostDeployment.");
        }

        if (probe.Measures && !await probe.WaitUpAsync(0, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false))
        {
            throw Preflight($"{probe.Url} does not answer 200 before the update.", probe.Url!, "Run Test-FrostHealth -Check Http and fix that first.");
        }

        var known = containers.Select(c => c.Service).Distinct(StringComparer.Ordinal).ToList();
        foreach (var service in request.Services.Where(s => !known.Contains(s)))
        {
            throw new FrostException(ErrorIds.ServiceNotFound, FailureKind.NotFound,
                $"Project {_session.Config.Project.Name} has no service '{service}'. Its services: {string.Join(", ", known)}.", service,
                "Pass service names from Get-FrostService to -Service.");
        }

        if (request.Version is not { } version)
        {
            return request.Services;
        }

        var tags = _state.ReadTags();
        var targets = request.Services.Count > 0
            ? request.Services
            : known.Where(s => tags.ContainsKey(DeploymentState.TagKey(s))).ToList();
        if (targets.Count == 0)
        {
            throw Preflight($"No service of {_session.Config.Project.Name} takes its image tag from the .env (a key like BACKEND_TAG), so -Version has nothing to set.",
                _state.EnvPath, "Use ${<SERVICE>_TAG} in the compose file's image lines, or update without -Version.");
        }

        foreach (var service in targets)
        {
            var key = DeploymentState.TagKey(service);
            if (!tags.ContainsKey(key))
            {
                throw Preflight($"{_state.EnvPath} has no {key}, so the version of {service} cannot be set.", service,
                    $"Add {key}=<tag> to the .env and use ${{{key}}} in the image of {service}, or leave {service} out of -Service.");
            }

            var current = containers.First(c => c.Service == service).Image;
            var colon = current.LastIndexOf(':');
            var repository = colon > current.LastIndexOf('/') ? current[..colon] : current;
            var wanted = $"{repository}:{version}";
            if (!await ImageExistsAsync(wanted, cancellationToken).ConfigureAwait(false))
            {
                throw new FrostException(ErrorIds.UpdateImageNotFound, FailureKind.NotFound,
                    $"The image {wanted} for {service} is not on this Docker host; nothing was changed.", wanted,
                    $"Pull or build {wanted} first (`docker-compose pull {service}` after setting the tag), or pass -Service with only the services that have version {version}.");
            }
        }

        return targets;
    }

    private async Task<bool> ImageExistsAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            await _session.Docker.Client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (global::Docker.DotNet.DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The state before the update as a release: the current record when it matches, else a new one.</summary>
    private async Task<FrostRelease> RecordCurrentAsync(string? backupId, CancellationToken cancellationToken)
    {
        var observed = await _state.CaptureAsync(ReleaseStore.NewId(DateTimeOffset.UtcNow), null, FrostReleaseStatus.Deployed,
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
        string? backupId, AvailabilityProbe probe, long started, Stopwatch clock, IFrostReporter reporter)
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
            attempted = await _state.CaptureAsync(ReleaseStore.NewId(DateTimeOffset.UtcNow), request.Version, FrostReleaseStatus.RolledBack,
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
                Tags = _state.ReadTags(),
                ComposeHash = DeploymentState.HashFiles(_state.Compose.Files()),
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
    private async Task<IReadOnlyList<string>> ApplyReleaseAsync(FrostRelease release, TimeSpan healthTimeout, AvailabilityProbe probe, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var git = new GitCheckout(_state.Directory);
        var commitChanged = false;
        if (release.GitCommit is { } commit && await git.HeadAsync(cancellationToken).ConfigureAwait(false) is { } head && head != commit)
        {
            await git.ResetAsync(commit, reporter, cancellationToken).ConfigureAwait(false);
            commitChanged = true;
        }

        var now = _state.ReadTags();
        var changed = release.Tags.Where(t => !now.TryGetValue(t.Key, out var v) || v != t.Value).ToDictionary(t => t.Key, t => t.Value);
        if (changed.Count > 0)
        {
            _state.WriteTags(changed);
            reporter.Verbose($"{_state.EnvPath}: {string.Join(", ", changed.Select(c => $"{c.Key}={c.Value}"))}");
        }

        // Only the services whose tag changed, unless the compose files may have changed too.
        var services = commitChanged
            ? []
            : release.Services.Select(s => s.Service).Where(s => changed.ContainsKey(DeploymentState.TagKey(s))).ToList();
        var beforeUp = Stopwatch.GetTimestamp();
        await _state.Compose.UpAsync(services, healthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
        await _state.WaitHealthyAsync(services, probe, beforeUp, healthTimeout, ProgressId + 1, reporter, cancellationToken, ProgressId).ConfigureAwait(false);
        return services;
    }

    /// <summary>The deployment's verification after a change: a Critical result fails it, Warnings are reported, not acted on.</summary>
    private async Task<IReadOnlyList<FrostHealthResult>> VerifyAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var results = await DeploymentVerification.RunAsync(_session, reporter, cancellationToken).ConfigureAwait(false);
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

        var found = new BackupCatalog(_session.BackupRoot).List(reporter).FirstOrDefault(b => b.Backup.Id == id);
        return found?.Backup ?? throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
            $"The backup {id} of release {release.Id} is not in {_session.BackupRoot} any more.", id,
            "Get-FrostBackup lists the backups; restore one by hand with Restore-FrostBackup.");
    }

    private static FrostException Preflight(string message, object target, string action) =>
        new(ErrorIds.UpdatePreflightFailed, FailureKind.OperationFailed, message + " Nothing was changed.", target, action);
}
