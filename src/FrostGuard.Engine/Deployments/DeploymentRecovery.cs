using System.Diagnostics;
using System.Text.Json.Nodes;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Health;
using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// Restore-FrostDeployment, the manual's "complete server recovery": the sealed configuration
/// of a backup taken with -IncludeConfig is opened into a new deployment directory, Compose
/// starts the stack, the database is restored into it, and the health checks judge the result.
/// The time until healthy is recorded as the measured full-recovery time.
/// </summary>
public sealed class DeploymentRecovery
{
    public const int ProgressId = 71;
    private readonly FrostSession _source;
    private readonly Func<string, string?> _getEnvironment;

    public DeploymentRecovery(FrostSession source, Func<string, string?> getEnvironment)
    {
        _source = source;
        _getEnvironment = getEnvironment;
    }

    public async Task<FrostDeploymentRecovery> RecoverAsync(DeploymentRecoveryRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var backup = request.Backup;
        var manifest = BackupCatalog.Load(backup);
        if (manifest.Config is not { } sealedConfig)
        {
            throw new FrostException(ErrorIds.ConfigArchiveMissing, FailureKind.NotFound,
                $"Backup {backup.Id} was taken without -IncludeConfig: it holds the database, not the deployment's configuration.", backup.Id,
                "Pick a backup that has it: Get-FrostBackup | Where-Object IncludesConfig");
        }

        var target = System.IO.Path.GetFullPath(request.Path);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() || File.Exists(target))
        {
            throw new FrostException(ErrorIds.DeploymentPathNotEmpty, FailureKind.OperationFailed,
                $"{target} already holds files; a deployment is restored into a new or empty folder, so nothing there is overwritten.", target,
                "Give -Path a new folder.");
        }

        var progress = new ProgressUpdate(ProgressId, $"Recovering the deployment from {backup.Id}", "Opening the configuration archive");
        try
        {
            reporter.Progress(progress with { PercentComplete = 5 });
            var files = ExtractInto(target, backup, manifest, sealedConfig, request.Key);
            var envPath = System.IO.Path.Combine(target, ".env");
            if (request.Environment.Count > 0)
            {
                EnvFileEditor.Set(envPath, request.Environment);
            }

            var configPath = request.TargetConfigPath ?? PointArchivedConfigAt(target);
            using var restored = FrostSession.Open(configPath, target, _getEnvironment);
            if (!string.Equals(System.IO.Path.GetFullPath(restored.Config.Project.Directory).TrimEnd('/'), target.TrimEnd('/'), StringComparison.Ordinal))
            {
                throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.InvalidConfiguration,
                    $"{configPath} points at {restored.Config.Project.Directory}, not at the restored deployment {target}.", configPath,
                    $"Set project.directory to {target} in that file, or leave out -TargetConfigPath.");
            }

            var configured = clock.Elapsed;
            reporter.Verbose($"restored {files.Count} files into {target} in {configured.TotalSeconds:F1} s; FrostGuard configuration {configPath}");

            reporter.Progress(progress with { Status = $"Starting project {restored.Config.Project.Name} with Compose", PercentComplete = 20 });
            var state = new DeploymentState(restored);
            await StepAsync("start the stack", () => state.Compose.UpAsync([], request.HealthTimeout, reporter, cancellationToken)).ConfigureAwait(false);
            await using (var probe = new AvailabilityProbe(restored.Config))
            {
                await StepAsync("wait for the stack to be healthy",
                    () => state.WaitHealthyAsync([], probe, 0, request.HealthTimeout, ProgressId + 1, reporter, cancellationToken, ProgressId)).ConfigureAwait(false);
            }

            var started = clock.Elapsed - configured;
            FrostRestore? restore = null;
            if (!request.SkipDatabase)
            {
                reporter.Progress(progress with { Status = "Restoring the database", PercentComplete = 50 });
                restore = await Step("restore the database", () => new DatabaseRestorer(restored).RestoreAsync(
                    new RestoreRequest { Backup = backup, HealthTimeout = request.HealthTimeout }, reporter, cancellationToken)).ConfigureAwait(false);
            }

            var databaseDuration = clock.Elapsed - configured - started;
            reporter.Progress(progress with { Status = "Checking health", PercentComplete = 90 });
            var health = await DeploymentVerification.RunAsync(restored, reporter, cancellationToken).ConfigureAwait(false);
            var duration = clock.Elapsed;
            RecoveryMeasurements.TryRecord(_source.StateFolder, "full-recovery", duration, $"Restore-FrostDeployment {backup.Id} into {target}", reporter);
            return new FrostDeploymentRecovery
            {
                BackupId = backup.Id,
                Project = restored.Config.Project.Name,
                Path = target,
                ConfigPath = configPath,
                FilesRestored = files,
                EnvironmentKeysSet = request.Environment.Keys.Order(StringComparer.Ordinal).ToList(),
                DatabaseRestore = restore,
                Health = health,
                ConfigurationDuration = configured,
                StartDuration = started,
                DatabaseDuration = databaseDuration,
                Duration = duration,
            };
        }
        finally
        {
            reporter.Progress(progress with { Completed = true });
        }

        async Task<T> Step<T>(string what, Func<Task<T>> work)
        {
            try
            {
                return await work().ConfigureAwait(false);
            }
            catch (FrostException e) when (e.ErrorId != ErrorIds.DeploymentRecoveryFailed)
            {
                throw Failed(what, target, e);
            }
        }

        async Task StepAsync(string what, Func<Task> work) => await Step<bool>(what, async () =>
        {
            await work().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>Extracted beside the target first, then renamed: a failed extraction leaves no half deployment.</summary>
    private static IReadOnlyList<string> ExtractInto(string target, FrostBackup backup, BackupManifest manifest, ConfigArchiveManifest sealedConfig, ConfigArchiveKey key)
    {
        var parent = System.IO.Path.GetDirectoryName(target.TrimEnd('/'))!;
        Directory.CreateDirectory(parent);
        var staging = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(target.TrimEnd('/'))}.restoring-{Environment.ProcessId}");
        try
        {
            var files = DeploymentArchive.Extract(System.IO.Path.GetDirectoryName(backup.ManifestPath)!, manifest.Id, sealedConfig, key, staging);
            if (Directory.Exists(target))
            {
                Directory.Delete(target); // empty, checked above
            }

            Directory.Move(staging, target);
            return files;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>The archived FrostGuard configuration, with project.directory set to the restored folder.</summary>
    private static string PointArchivedConfigAt(string target)
    {
        var path = System.IO.Path.Combine(target, DeploymentArchive.FrostGuardConfigEntry);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["project"]!["directory"] = target;
        AtomicFile.Write(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    private static FrostException Failed(string step, string target, FrostException inner) =>
        new(ErrorIds.DeploymentRecoveryFailed, FailureKind.OperationFailed,
            $"Recovering the deployment into {target} failed at '{step}': {inner.Message} The restored files and containers were left in place for inspection.", target,
            inner.RecommendedAction + " When fixed, remove the stack (docker-compose down in " + target + ") and run Restore-FrostDeployment again into an empty folder.", inner);
}
