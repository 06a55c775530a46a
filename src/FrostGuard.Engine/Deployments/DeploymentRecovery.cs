using System.Diagnostics;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Deployments.Recovery;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// Restore-FrostDeployment, the manual's "complete server recovery": the sealed configuration
/// of a backup taken with -IncludeConfig is opened into a new deployment directory, Compose
/// starts the stack, the database is restored into it, and the health checks judge the result.
/// The time until healthy is recorded as the measured full-recovery time. Before anything runs,
/// <see cref="RecoveryIsolation"/> decides what the restored deployment gets so that it touches
/// nothing that runs already, and refuses when it cannot; a drill is removed again at the end.
/// An operation record in the live deployment's state folder names what the recovery made, so
/// the next FrostGuard command removes what a killed recovery left (<see cref="ResolveInterruptedAsync"/>).
/// </summary>
public sealed class DeploymentRecovery
{
    public const int ProgressId = 71;
    private const string FactTarget = "target";
    private const string FactHome = "home";
    private const string FactStaging = "staging";
    private const string FactConfig = "config";
    private const string FactMode = "mode";
    private const string FactFolders = "dataFolders";
    private readonly FrostSession _source;
    private readonly Func<string, string?> _getEnvironment;
    private readonly IRecoveryWork _work;

    /// <param name="work">What the recovery does to the archive, Compose, Docker and the database; for real by default.</param>
    public DeploymentRecovery(FrostSession source, Func<string, string?> getEnvironment, IRecoveryWork? work = null)
    {
        _source = source;
        _getEnvironment = getEnvironment;
        _work = work ?? new RecoveryWork(source);
    }

    /// <summary>
    /// What the recovery would change, without changing anything: the archive is opened into a
    /// private temporary folder (never beside the target), read, and removed again. For -WhatIf
    /// and the confirmation.
    /// </summary>
    public async Task<RecoveryPlan> PlanAsync(DeploymentRecoveryRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var (manifest, sealedConfig, target, home) = Preflight(request);
        var staging = PrivateFiles.CreateFolder(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"frostguard-recovery-plan-{Guid.NewGuid():N}"));
        try
        {
            var files = Extract(staging, request.Backup, manifest, sealedConfig, request.Key);
            return (await PlanStagedAsync(request, staging, files, target, home, reporter, cancellationToken).ConfigureAwait(false)).Plan;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    public async Task<FrostDeploymentRecovery> RecoverAsync(DeploymentRecoveryRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var backup = request.Backup;
        var (manifest, sealedConfig, target, home) = Preflight(request);
        var progress = new ProgressUpdate(ProgressId, $"Recovering the deployment from {backup.Id}", "Opening the configuration archive");
        var made = new DrillLeftovers(target, home, _work);
        using var deploymentLock = DeploymentLock.Acquire(_source.StateFolder, $"Restore-FrostDeployment {backup.Id} into {target}");
        var records = _source.OperationRecords;
        OperationRecord? record = null;
        FrostDeploymentRecovery result;
        try
        {
            reporter.Progress(progress with { PercentComplete = 5 });
            var parent = System.IO.Path.GetDirectoryName(target)!;
            Directory.CreateDirectory(parent);
            var staging = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(target)}.restoring-{Guid.NewGuid():N}");
            record = records.Begin(OperationRecord.Recovery, $"Restore-FrostDeployment {backup.Id} -Path {target}", new Dictionary<string, string>
            {
                [FactTarget] = target, [FactHome] = home, [FactStaging] = staging, [FactMode] = request.Mode.ToString(),
                [FactConfig] = request.TargetConfigPath ?? System.IO.Path.Combine(target, DeploymentArchive.FrostGuardConfigEntry),
            });
            made.Saved = folders => record = records.Save(record!.With(FactFolders, string.Join('\n', folders)));
            PrivateFiles.CreateFolder(staging);
            Planned planned;
            IReadOnlyList<string> files;
            try
            {
                files = Extract(staging, backup, manifest, sealedConfig, request.Key);
                planned = await PlanStagedAsync(request, staging, files, target, home, reporter, cancellationToken).ConfigureAwait(false);
                // Rewritten before the move, so the folder in the target never names the live project, ports or folders,
                // whenever a crash comes (the next command runs Compose down with it). Rewritten even with -TargetConfigPath.
                AtomicFile.Write(System.IO.Path.Combine(staging, DeploymentArchive.FrostGuardConfigEntry), planned.ConfigText, PrivateFiles.FileMode);
                Durable.Sync(staging);
                record = records.Save(record!.At(CrashPoints.RecoveryStaged));
                CrashPoints.Reach(CrashPoints.RecoveryStaged);
                if (Directory.Exists(target))
                {
                    Directory.Delete(target); // empty: checked in Preflight
                }

                Directory.Move(staging, target);
            }
            catch
            {
                Directory.Delete(staging, recursive: true);
                records.End(record!);
                record = null;
                throw;
            }

            var plan = planned.Plan;
            foreach (var change in plan.Isolation)
            {
                reporter.Verbose($"isolation: {change}");
            }

            var archivedConfig = System.IO.Path.Combine(target, DeploymentArchive.FrostGuardConfigEntry);
            Durable.Sync(target);
            record = records.Save(record!.At(CrashPoints.RecoveryMoved));
            CrashPoints.Reach(CrashPoints.RecoveryMoved);
            var configPath = request.TargetConfigPath ?? archivedConfig;
            if (request.Mode != FrostRecoveryMode.InPlace)
            {
                PrivateFiles.CreateFolder(System.IO.Path.Combine(home, "backups"));
                PrivateFiles.CreateFolder(System.IO.Path.Combine(home, "state"));
            }

            // The restored deployment is a session of its own: this process's FROSTGUARD_STATE and
            // FROSTGUARD_CONFIG would lead it to the live deployment's state or configuration.
            using var restored = FrostSession.Open(configPath, target,
                name => name is StatePaths.StateVariable or ConfigLocator.ConfigVariable ? null : _getEnvironment(name));
            made.Compose = restored.Config;

            // Compose renders the deployment's own relative mounts where it now lies, for the containers that initialise its data.
            var rendering = await _work.RenderAsync(target, plan.Project, restored.Config.Project.ComposeFiles, cancellationToken).ConfigureAwait(false);
            await InitialiseFreshFoldersAsync(plan, rendering, restored, manifest, home, made, reporter, cancellationToken).ConfigureAwait(false);

            var configured = clock.Elapsed;
            reporter.Verbose($"restored {files.Count} files into {target} in {configured.TotalSeconds:F1} s; FrostGuard configuration {configPath}");
            reporter.Progress(progress with { Status = $"Starting project {plan.Project} with Compose", PercentComplete = 20 });
            await StepAsync("start the stack", () => _work.StartAsync(restored, request.HealthTimeout, reporter, cancellationToken)).ConfigureAwait(false);
            await StepAsync("wait for the stack to be healthy",
                () => _work.WaitHealthyAsync(restored, ProgressId, request.HealthTimeout, reporter, cancellationToken)).ConfigureAwait(false);

            var started = clock.Elapsed - configured;
            FrostRestore? restore = null;
            if (!request.SkipDatabase)
            {
                reporter.Progress(progress with { Status = "Restoring the database", PercentComplete = 50 });
                restore = await Step("restore the database", () => _work.RestoreDatabaseAsync(restored,
                    new RestoreRequest { Backup = backup, HealthTimeout = request.HealthTimeout }, reporter, cancellationToken)).ConfigureAwait(false);
            }

            var databaseDuration = clock.Elapsed - configured - started;
            reporter.Progress(progress with { Status = "Checking health", PercentComplete = 90 });
            var health = await _work.VerifyAsync(restored, reporter, cancellationToken).ConfigureAwait(false);
            var duration = clock.Elapsed;
            RecoveryMeasurements.TryRecord(_source.StateFolder, "full-recovery", duration, $"Restore-FrostDeployment {backup.Id} into {target}", reporter);
            result = new FrostDeploymentRecovery
            {
                BackupId = backup.Id,
                Mode = request.Mode,
                Project = plan.Project,
                Path = target,
                ConfigPath = configPath,
                RecoveryHome = request.Mode == FrostRecoveryMode.InPlace ? null : home,
                FilesRestored = files,
                EnvironmentKeysSet = request.Environment.Keys.Order(StringComparer.Ordinal).ToList(),
                Isolation = plan.Isolation,
                DatabaseRestore = restore,
                Health = health,
                ConfigurationDuration = configured,
                StartDuration = started,
                DatabaseDuration = databaseDuration,
                Duration = duration,
            };
        }
        catch when (request.Mode == FrostRecoveryMode.Drill)
        {
            // A drill leaves nothing, failed or not; a failure to remove it is reported beside the failure that ended it.
            try
            {
                await made.RemoveAsync(reporter).ConfigureAwait(false);
                EndRecord();
            }
            catch (Exception removal) when (removal is FrostException or IOException or UnauthorizedAccessException)
            {
                reporter.Warning($"The failed drill could not be removed completely: {removal.Message}; the next FrostGuard command that changes something tries again.");
            }

            throw;
        }
        catch
        {
            EndRecord(); // a failure that was reported: what the recovery made stays for the operator to look at
            throw;
        }
        finally
        {
            reporter.Progress(progress with { Completed = true });
        }

        if (request.Mode != FrostRecoveryMode.Drill)
        {
            EndRecord();
            return result;
        }

        try
        {
            await made.RemoveAsync(reporter).ConfigureAwait(false);
            EndRecord();
        }
        catch (Exception removal) when (removal is FrostException or IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.OperationFailed,
                $"The recovery drill passed (healthy after {result.Duration.TotalSeconds:F0} s, recorded) but could not be removed: {removal.Message}", target,
                $"Remove it by hand: `docker-compose -p {result.Project} down --volumes` in {target}, then delete {target} and {home}.", removal);
        }

        return new FrostDeploymentRecovery
        {
            BackupId = result.BackupId, Mode = result.Mode, Project = result.Project, Path = result.Path, ConfigPath = result.ConfigPath,
            RecoveryHome = result.RecoveryHome, FilesRestored = result.FilesRestored, EnvironmentKeysSet = result.EnvironmentKeysSet,
            Isolation = result.Isolation, DatabaseRestore = result.DatabaseRestore, Health = result.Health,
            ConfigurationDuration = result.ConfigurationDuration, StartDuration = result.StartDuration, DatabaseDuration = result.DatabaseDuration,
            Duration = result.Duration, RemovedAfterDrill = true,
        };

        void EndRecord()
        {
            if (record is not null)
            {
                records.End(record);
                record = null;
            }
        }

        async Task<T> Step<T>(string what, Func<Task<T>> work)
        {
            try
            {
                return await work().ConfigureAwait(false);
            }
            catch (FrostException e) when (e.ErrorId != ErrorIds.DeploymentRecoveryFailed)
            {
                throw Failed(what, target, e, request.Mode);
            }
        }

        async Task StepAsync(string what, Func<Task> work) => await Step<bool>(what, async () =>
        {
            await work().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// A recovery whose process died: what it made is removed (undone): the staging folder, and
    /// once it moved, the restored deployment's containers, networks and volumes (Compose down
    /// with its own configuration), its folder, its home and the data folders it made.
    /// </summary>
    public async Task<string> ResolveInterruptedAsync(OperationRecord record, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        // The caller holds the deployment lock and read the record again under it.
        var since = record.Interruption;
        var target = record.Fact(FactTarget);
        var home = record.Fact(FactHome);
        var staging = record.Fact(FactStaging);
        if (!System.IO.Path.IsPathFullyQualified(target) || target.Split('/').Contains("..") || home != HomeOf(target)
            || System.IO.Path.GetDirectoryName(staging) != System.IO.Path.GetDirectoryName(target)
            || !System.IO.Path.GetFileName(staging).StartsWith($".{System.IO.Path.GetFileName(target)}.restoring-", StringComparison.Ordinal))
        {
            throw new FrostException(ErrorIds.OperationRecordInvalid, FailureKind.InvalidData,
                $"{record.Path} names a target ({target}), home ({home}) and staging folder ({staging}) that no recovery makes.", record.Path,
                $"Remove what the interrupted recovery made by hand, then move {record.Path} away.");
        }

        // Only folders inside the target or its home are removed; a data folder an in-place recovery made elsewhere is named and kept.
        var named = record.Fact(FactFolders).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var folders = named.Where(f => IsInside(f, home) || IsInside(f, target)).ToList();
        var kept = named.Except(folders).Where(Directory.Exists).ToList();

        // Staged, the move into the target may have happened before the next stage was recorded: the staging folder gone and the target there say so.
        var moved = record.Stage is not "begun" && (record.Stage != CrashPoints.RecoveryStaged.Name || !Directory.Exists(staging));
        var removed = new List<string>();
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
            removed.Add(staging);
        }

        if (moved && Directory.Exists(target))
        {
            if (File.Exists(record.Fact(FactConfig)))
            {
                using var restored = FrostSession.Open(record.Fact(FactConfig), target,
                    name => name is StatePaths.StateVariable or ConfigLocator.ConfigVariable ? null : _getEnvironment(name));
                var inPlace = record.Fact(FactMode) == nameof(FrostRecoveryMode.InPlace);
                if (!inPlace && restored.Config.Project.Name == _source.Config.Project.Name)
                {
                    // Never the deployment this command runs against: a recovery into a new folder always has a project of its own.
                    throw new FrostException(ErrorIds.OperationRecordInvalid, FailureKind.InvalidData,
                        $"{record.Fact(FactConfig)} names project {restored.Config.Project.Name}, the deployment FrostGuard runs against; the interrupted recovery into {target} is not undone.", record.Path,
                        $"Check what runs from {target} (docker ps --filter label=com.docker.compose.project.working_dir={target}), remove it by hand, then move {record.Path} away.");
                }

                await _work.DownAsync(restored.Config, volumes: !inPlace, reporter, cancellationToken).ConfigureAwait(false);
                removed.Add($"project {restored.Config.Project.Name}");
            }

            var made = folders.Append(target);
            if (record.Fact(FactMode) != nameof(FrostRecoveryMode.InPlace))
            {
                made = made.Append(home);
            }

            foreach (var folder in made.Where(Directory.Exists))
            {
                Directory.Delete(folder, recursive: true);
                removed.Add(folder);
            }
        }

        _source.OperationRecords.End(record);
        return $"{since}. Undone: {(removed.Count == 0 ? "it had made nothing yet" : "removed " + string.Join(", ", removed))}"
            + (kept.Count == 0 ? "." : $"; kept {string.Join(", ", kept)} (made by the recovery; remove it by hand before recovering again).");
    }

    private static bool IsInside(string path, string folder) =>
        System.IO.Path.IsPathFullyQualified(path) && !path.Split('/').Contains("..") && path.StartsWith(folder.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>Where a recovery into a new folder keeps its backups, state and fresh data folders: beside the deployment, never in it (it would be archived with it).</summary>
    public static string HomeOf(string target) => target.TrimEnd('/') + ".frostguard";

    private (BackupManifest Manifest, ConfigArchiveManifest Sealed, string Target, string Home) Preflight(DeploymentRecoveryRequest request)
    {
        var backup = request.Backup;
        var manifest = _work.Load(backup);
        if (manifest.Config is not { } sealedConfig)
        {
            throw new FrostException(ErrorIds.ConfigArchiveMissing, FailureKind.NotFound,
                $"Backup {backup.Id} was taken without -IncludeConfig: it holds the database, not the deployment's configuration.", backup.Id,
                "Pick a backup that has it: Get-FrostBackup | Where-Object IncludesConfig");
        }

        var target = System.IO.Path.GetFullPath(request.Path).TrimEnd('/');
        var home = HomeOf(target);
        foreach (var folder in request.Mode == FrostRecoveryMode.InPlace ? [target] : new[] { target, home })
        {
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any() || File.Exists(folder))
            {
                throw new FrostException(ErrorIds.DeploymentPathNotEmpty, FailureKind.OperationFailed,
                    $"{folder} already holds files; a deployment is restored into a new or empty folder{(folder == home ? " (and this one beside it for its backups, state and data)" : "")}, so nothing there is overwritten.", folder,
                    folder == home ? $"Remove {home} (left by an earlier recovery into {target}?) or give -Path another folder." : "Give -Path a new folder.");
            }
        }

        return (manifest, sealedConfig, target, home);
    }

    private sealed record Planned(RecoveryPlan Plan, string ConfigText);

    /// <summary>
    /// Reads the staged deployment and the host, plans, rewrites the configuration and checks the
    /// one the recovery will run with; a plan with refusals is an error naming each, and nothing
    /// outside the staging folder has been touched.
    /// </summary>
    private async Task<Planned> PlanStagedAsync(DeploymentRecoveryRequest request, string staging, IReadOnlyList<string> files, string target, string home,
        IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var archivedConfigPath = System.IO.Path.Combine(staging, DeploymentArchive.FrostGuardConfigEntry);
        var archivedText = File.ReadAllText(archivedConfigPath);
        var archived = ConfigLoader.Parse(archivedText, archivedConfigPath);
        var envPath = archived.Project.EnvPathIn(staging);
        var envFile = EnvFile.Load(envPath);
        var archivedEnvironment = envFile.Keys.ToDictionary(k => k, k => envFile.TryGet(k, out var v) ? v : "", StringComparer.Ordinal);
        if (request.Environment.Count > 0)
        {
            EnvFile.Set(envPath, request.Environment);
        }

        var given = request.TargetConfigPath is { } path ? ConfigLoader.Load(path) : null;
        var operatorProject = request.ProjectName ?? given?.Project.Name;
        var rendering = await _work.RenderAsync(staging, archived.Project.Name, archived.Project.ComposeFiles, cancellationToken).ConfigureAwait(false);
        var host = await _work.ReadHostAsync(cancellationToken).ConfigureAwait(false);
        var plan = RecoveryIsolation.Plan(new IsolationInput
        {
            Mode = request.Mode, Source = _source.Config, Archived = archived, ArchivedEnvironment = archivedEnvironment,
            OperatorEnvironment = request.Environment, OperatorProject = operatorProject, Target = target, Staging = staging, Home = home,
            Rendering = rendering, Host = host,
        });

        var (configText, configChanges) = RecoveredConfig.Rewrite(archivedText, archived, target, home, request.Mode, plan);
        if (plan.Refusals.Count == 0)
        {
            EnvFile.Set(envPath, plan.Environment);
            var final = await _work.RenderAsync(staging, plan.Project, archived.Project.ComposeFiles, cancellationToken).ConfigureAwait(false);
            var effective = given ?? ConfigLoader.Parse(configText, System.IO.Path.Combine(target, DeploymentArchive.FrostGuardConfigEntry));
            plan = plan with
            {
                Refusals =
                [
                    .. RecoveryIsolation.Leaks(request.Mode, _source.Config, archivedEnvironment, plan, final, host),
                    .. RecoveryIsolation.CheckEffective(request.Mode, _source.Config, _source.StateFolder, _source.BackupRoot, effective, target, plan, host),
                    .. request.Mode == FrostRecoveryMode.InPlace ? [] : RecoveryIsolation.LeaksInFiles(_source.Config, plan, staging, files),
                ],
            };
        }

        if (plan.Refusals.Count > 0)
        {
            throw new FrostException(ErrorIds.DeploymentIsolationRefused, FailureKind.OperationFailed,
                $"Recovering backup {request.Backup.Id} into {target} would touch what already runs on this host, so nothing was started or changed: {string.Join("; ", plan.Refusals)}.", target,
                request.Mode == FrostRecoveryMode.InPlace
                    ? "Recover in place only when the old deployment is gone; to recover beside it, leave out -InPlace."
                    : "Change what is named above (-ProjectName, -Environment KEY=value, -TargetConfigPath), or stop what holds it.");
        }

        plan = plan with { Isolation = [.. plan.Isolation, .. configChanges.Where(c => given is null || c.Item == "project.directory")] };
        reporter.Verbose($"plan: project {plan.Project}; {string.Join("; ", plan.Isolation.Select(i => i.ToString()))}");
        return new Planned(plan, configText);
    }

    /// <summary>New data folders: the database's initialised as a cluster (unless the operator gave one that holds files), others created empty.</summary>
    private async Task InitialiseFreshFoldersAsync(RecoveryPlan plan, ComposeRendering rendering, FrostSession restored, BackupManifest manifest, string home,
        DrillLeftovers made, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        foreach (var fresh in plan.FreshFolders)
        {
            if (Directory.Exists(fresh.Path) && Directory.EnumerateFileSystemEntries(fresh.Path).Any())
            {
                reporter.Verbose($"{fresh.EnvironmentKey}: {fresh.Path} holds files already (given with -Environment); used as it is");
                continue;
            }

            made.Made(fresh.Path);
            if (fresh.ForUpstream)
            {
                WriteUpstream(restored, fresh.Path, reporter);
                continue;
            }

            if (!fresh.ForDatabase)
            {
                PrivateFiles.CreateFolder(fresh.Path);
                continue;
            }

            var service = rendering.Services.FirstOrDefault(s => s.Volumes.Any(v => v.IsBind && v.Source!.TrimEnd('/') == fresh.Path.TrimEnd('/')))
                ?? throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.InvalidConfiguration,
                    $"No service of the restored deployment mounts {fresh.Path} ({fresh.EnvironmentKey}), so FrostGuard cannot tell which image initialises it.", fresh.Path,
                    $"Give {fresh.EnvironmentKey} an absolute path.");
            await _work.InitializeDatabaseFolderAsync(restored, new DatabaseFolderInitializer.Request(
                service, plan.Project, fresh.Path, PostgresContainer.Major(manifest.ServerVersion), restored.Config.Database.User,
                restored.Config.Database.Name, restored.DatabasePassword, home), reporter, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The restored proxy's upstream include, naming the restored serving slot on its own port
    /// (the proxy reads it: 0755 folder, 0644 file; it holds no secret). Without it the proxy
    /// would not start, and with the live one it would forward to the live backend.
    /// </summary>
    private static void WriteUpstream(FrostSession restored, string folder, IFrostReporter reporter)
    {
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        if (restored.Config.Update.Proxy is not { } proxy || !restored.Slots.Any)
        {
            return;
        }

        var serving = restored.Slots.Serving() ?? restored.Slots.All[0];
        var path = Path.Combine(folder, proxy.UpstreamFile);
        AtomicFile.Write(path, Switching.UpstreamFile.Render(proxy.UpstreamName, Switching.SlotDeployer.Target(serving)),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        reporter.Verbose($"{path}: the restored proxy forwards to slot {serving.Name} ({serving.Address})");
    }

    /// <summary>What a drill made, so that it can remove exactly that: its project's containers, networks and volumes, its folder, its home, and data folders it created elsewhere.</summary>
    private sealed class DrillLeftovers(string target, string home, IRecoveryWork work)
    {
        /// <summary>The restored deployment's configuration, once Compose may have made something of it.</summary>
        public FrostConfig? Compose { get; set; }
        public List<string> Folders { get; } = [];
        /// <summary>Told each data folder as it is made, so the operation record names it before anything is in it.</summary>
        public Action<IReadOnlyList<string>>? Saved { get; set; }

        public void Made(string folder)
        {
            Folders.Add(folder);
            Saved?.Invoke(Folders);
        }

        /// <summary>Compose first (its files are in the folder); the folders only once the containers that mount them are gone.</summary>
        public async Task RemoveAsync(IFrostReporter reporter)
        {
            if (Compose is not null)
            {
                await work.DownAsync(Compose, volumes: true, reporter, CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var folder in Folders.Append(target).Append(home).Where(Directory.Exists))
            {
                Directory.Delete(folder, recursive: true);
            }

            reporter.Verbose($"drill removed: {string.Join(", ", Folders.Append(target).Append(home))}");
        }
    }

    /// <summary>Opens the archive into <paramref name="staging"/>, a new private (0700) folder: the files it holds are the deployment's secrets.</summary>
    private IReadOnlyList<string> Extract(string staging, FrostBackup backup, BackupManifest manifest, ConfigArchiveManifest sealedConfig, ConfigArchiveKey key) =>
        _work.Extract(staging, backup, manifest, sealedConfig, key);

    private static FrostException Failed(string step, string target, FrostException inner, FrostRecoveryMode mode) =>
        new(ErrorIds.DeploymentRecoveryFailed, FailureKind.OperationFailed,
            mode == FrostRecoveryMode.Drill
                ? $"The recovery drill into {target} failed at '{step}': {inner.Message} The drill's containers and folders were removed."
                : $"Recovering the deployment into {target} failed at '{step}': {inner.Message} The restored files and containers were left in place for inspection.", target,
            mode == FrostRecoveryMode.Drill
                ? inner.RecommendedAction + " Then run the drill again."
                : inner.RecommendedAction + " When fixed, remove the stack (docker-compose down in " + target + ") and run Restore-FrostDeployment again into an empty folder.", inner);
}
