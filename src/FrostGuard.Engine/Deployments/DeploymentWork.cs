using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>An update's work done for real: Compose, the Docker Engine, git, the .env, backups and restores, the health checks.</summary>
public sealed class DeploymentWork : IDeploymentWork
{
    private const long MinimumFreeBytes = 512L * 1024 * 1024;

    private readonly FrostSession _session;
    private readonly DeploymentState _state;

    public DeploymentWork(FrostSession session)
    {
        _session = session;
        _state = new DeploymentState(session);
        Slots = session.Config.Update.BlueGreen ? new Switching.SlotWork(session) : null;
    }

    public Switching.ISlotWork? Slots { get; }

    public async Task<IReadOnlyList<string>> ServiceNamesAsync(CancellationToken cancellationToken) =>
        (await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Service).Distinct(StringComparer.Ordinal).ToList();

    public async Task UpOverlappingAsync(IReadOnlyList<string> services, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        foreach (var service in services)
        {
            var old = (await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.Service == service).ToList();
            if (!await CanOverlapAsync(service, old, reporter, cancellationToken).ConfigureAwait(false))
            {
                await _state.Compose.UpAsync([service], timeout, reporter, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await _state.Compose.UpBesideAsync(service, Math.Max(1, old.Count) * 2, timeout, reporter, cancellationToken).ConfigureAwait(false);
            var oldIds = old.Select(o => o.ContainerId).ToHashSet(StringComparer.Ordinal);
            try
            {
                await _state.WaitHealthyAsync([service], null, 0, timeout,
                    DeploymentUpdater.ProgressId + 1, reporter, cancellationToken, DeploymentUpdater.ProgressId, except: oldIds).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The new container never took over: it goes, the old ones keep running.
                foreach (var created in (await _session.Services.ListAsync(CancellationToken.None).ConfigureAwait(false)).Where(s => s.Service == service && !oldIds.Contains(s.ContainerId)))
                {
                    await RemoveAsync(created, reporter).ConfigureAwait(false);
                }

                throw;
            }

            foreach (var container in old)
            {
                await RemoveAsync(container, reporter).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Only a service that owns no data and listens on no port may run twice for a moment: never the database; a listener could not bind its port twice on the host's network.</summary>
    private async Task<bool> CanOverlapAsync(string service, IReadOnlyList<FrostService> running, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (service == _session.Config.Database.Service)
        {
            reporter.Verbose($"{service} is the database: it is recreated in place, never run twice on its data");
            return false;
        }

        if (service == _session.Config.WalArchive.Service)
        {
            reporter.Verbose($"{service} is the WAL archiver: one pg_receivewal per slot and folder, so it is recreated in place");
            return false;
        }

        try
        {
            var ports = await ServicePorts.ListeningAsync(_session, running, cancellationToken).ConfigureAwait(false);
            if (ports.Count > 0)
            {
                reporter.Verbose($"{service} listens on {string.Join(", ", ports)}: it is recreated in place (a second one could not bind the port)");
                return false;
            }
        }
        catch (UnauthorizedAccessException e)
        {
            reporter.Warning($"Cannot read the open sockets of {service}'s processes ({e.Message}), so it is recreated in place rather than started beside the running one.");
            return false;
        }

        return true;
    }

    private async Task RemoveAsync(FrostService container, IFrostReporter reporter)
    {
        await new Services.ServiceController(_session.Docker, _session.Services).StopAndRemoveAsync(container, Switching.SlotWork.StopGrace, force: false, reporter, CancellationToken.None).ConfigureAwait(false);
    }

    public string EnvPath => _state.EnvPath;

    public IAvailability OpenAvailability() => new AvailabilityProbe(_session.Config);

    public async Task<IReadOnlyList<string>> PreflightAsync(UpdateRequest request, IAvailability availability, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var probe = (AvailabilityProbe)availability;
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

    public async Task<FrostBackup> BackupAsync(string label, IFrostReporter reporter, CancellationToken cancellationToken) =>
        await new BackupRunner(_session).RunAsync(new BackupRequest { Label = label, Verify = true }, reporter, cancellationToken).ConfigureAwait(false);

    public Task<FrostRelease> CaptureAsync(string? version, FrostReleaseStatus status, string note, CancellationToken cancellationToken) =>
        _state.CaptureAsync(ReleaseStore.NewId(DateTimeOffset.UtcNow), version, status, note, cancellationToken);

    public IReadOnlyDictionary<string, string> ReadTags() => _state.ReadTags();

    public void WriteTags(IReadOnlyDictionary<string, string> tags) => _state.WriteTags(tags);

    public string ComposeHash() => DeploymentState.HashFiles(_state.Compose.Files());

    public Task PullAsync(IFrostReporter reporter, CancellationToken cancellationToken) => new GitCheckout(_state.Directory).PullAsync(reporter, cancellationToken);

    public Task<string?> GitHeadAsync(CancellationToken cancellationToken) => new GitCheckout(_state.Directory).HeadAsync(cancellationToken);

    public Task GitResetAsync(string commit, IFrostReporter reporter, CancellationToken cancellationToken) => new GitCheckout(_state.Directory).ResetAsync(commit, reporter, cancellationToken);

    public Task UpAsync(IReadOnlyList<string> services, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
        _state.Compose.UpAsync(services, timeout, reporter, cancellationToken);

    public Task WaitHealthyAsync(IReadOnlyList<string> services, IAvailability availability, long since, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
        _state.WaitHealthyAsync(services, (AvailabilityProbe)availability, since, timeout, DeploymentUpdater.ProgressId + 1, reporter, cancellationToken, DeploymentUpdater.ProgressId);

    public Task<IReadOnlyList<FrostHealthResult>> HealthChecksAsync(IFrostReporter reporter, CancellationToken cancellationToken) =>
        DeploymentVerification.RunAsync(_session, reporter, cancellationToken);

    public Task<FrostRestore> RestoreAsync(RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new DatabaseRestorer(_session).RestoreHoldingLockAsync(request, reporter, cancellationToken);

    public IReadOnlyList<FrostBackup> Backups(IFrostReporter reporter) =>
        new BackupCatalog(_session.BackupRoot).List(reporter).Select(b => b.Backup).ToList();

    private static FrostException Preflight(string message, object target, string action) =>
        new(ErrorIds.UpdatePreflightFailed, FailureKind.OperationFailed, message + " Nothing was changed.", target, action);
}
