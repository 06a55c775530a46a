using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Deployments;

/// <summary>What Set-FrostServiceScale or Set-FrostServiceLimit asks to change for one service.</summary>
public sealed record ScaleRequest
{
    public required string Service { get; init; }
    public int? Replicas { get; init; }
    public long? MemoryBytes { get; init; }
    public double? Cpus { get; init; }
    /// <summary>Remove the service's limits (Set-FrostServiceLimit -Remove).</summary>
    public bool RemoveLimits { get; init; }
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>
/// Scale and limits, written to FrostGuard's compose override file and applied by Compose
/// (`up -d --no-deps &lt;service&gt;`), so every later `up -d` and every update keeps them.
/// When Compose or the health wait fails, the previous override is put back and applied.
/// </summary>
public sealed class ServiceScaler
{
    private readonly FrostSession _session;
    private readonly DeploymentState _state;

    public ServiceScaler(FrostSession session)
    {
        _session = session;
        _state = new DeploymentState(session);
    }

    public ComposeOverride LoadOverride() =>
        ComposeOverride.Load(_state.Directory, ComposeOverride.VersionOf(Path.Combine(_state.Directory, _session.Config.Project.ComposeFiles[0])));

    /// <summary>The override as it would be after the request (no change made).</summary>
    public ServiceOverride Plan(ScaleRequest request, ComposeOverride current)
    {
        var now = current.For(_session.Slots.ComposeServiceOf(request.Service));
        return request.RemoveLimits
            ? now with { MemoryBytes = null, Cpus = null }
            : new ServiceOverride(request.Replicas ?? now.Replicas, request.MemoryBytes ?? now.MemoryBytes, request.Cpus ?? now.Cpus);
    }

    /// <summary>Checks that may stop the change before anything is written: the service exists, a scaled service binds no port, limits above current use (warned).</summary>
    public async Task<IReadOnlyList<FrostService>> CheckAsync(ScaleRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (LoadOverride().Added.ContainsKey(request.Service))
        {
            throw new FrostException(ErrorIds.ScaleNotPossible, FailureKind.OperationFailed,
                $"{request.Service} is a service FrostGuard added itself (the WAL archiver): it runs once, as Enable-FrostWalArchive defines it.", request.Service,
                "Leave it as it is; Disable-FrostWalArchive removes it.");
        }

        var all = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        var containers = all.Where(s => s.Service == request.Service).ToList();
        if (containers.Count == 0)
        {
            throw new FrostException(ErrorIds.ServiceNotFound, FailureKind.NotFound,
                $"Project {_session.Config.Project.Name} has no service '{request.Service}'. Its services: {string.Join(", ", all.Select(s => s.Service).Distinct())}.",
                request.Service, "Get-FrostService lists the services.");
        }

        if (request.Replicas is > 1)
        {
            IReadOnlyList<string> ports;
            try
            {
                ports = await ServicePorts.ListeningAsync(_session, containers, cancellationToken).ConfigureAwait(false);
            }
            catch (UnauthorizedAccessException e)
            {
                // Not root: the check cannot be made. Compose will try; a second instance that cannot bind
                // its port fails the health wait, and the previous override is put back.
                reporter.Warning($"Cannot read the open sockets of {request.Service}'s processes ({e.Message}), so whether it listens on a port is not checked.");
                ports = [];
            }

            if (ports.Count > 0)
            {
                throw new FrostException(ErrorIds.ScaleNotPossible, FailureKind.InvalidData,
                    $"{request.Service} listens on {string.Join(", ", ports)} on the host's network; a second instance on this host could not bind the same port. Nothing was changed.",
                    request.Service, "Run more instances of it on other app servers behind a load balancer (docs/scaling.md), or give it a bigger limit with Set-FrostServiceLimit.");
            }

            reporter.Verbose($"{request.Service} listens on no TCP port: {request.Replicas} instances can share the host's network.");
        }

        if (request.MemoryBytes is not null || request.Cpus is not null)
        {
            var resources = await new ResourceSampler(_session.Docker).SampleAsync(containers, cancellationToken).ConfigureAwait(false);
            foreach (var warning in LimitWarnings(request, containers, resources))
            {
                reporter.Warning(warning);
            }
        }

        return containers;
    }

    /// <summary>A warning for each container whose current use is above a requested limit.</summary>
    public static IEnumerable<string> LimitWarnings(ScaleRequest request, IReadOnlyList<FrostService> containers, IReadOnlyDictionary<string, FrostServiceResources> resources)
    {
        foreach (var container in containers)
        {
            if (!resources.TryGetValue(container.ContainerId, out var use))
            {
                continue;
            }

            if (request.MemoryBytes is { } memory && use.MemoryBytes > memory)
            {
                yield return $"{container.Container} uses {use.MemoryBytes / 1048576.0:0.0} MiB now, more than the new memory limit of {memory / 1048576.0:0.0} MiB: it may be OOM-killed.";
            }

            var cpusInUse = use.CpuPercent / 100.0;
            if (request.Cpus is { } cpus && cpusInUse > cpus)
            {
                yield return $"{container.Container} uses {cpusInUse:0.###} CPUs now, more than the new limit of {cpus:0.###} CPUs: it will be throttled.";
            }
        }
    }

    public async Task<FrostServiceOverride> ApplyAsync(ScaleRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, $"changing service {request.Service} ({ComposeOverride.PathIn(_state.Directory)})");
        var before = LoadOverride();
        var wanted = Plan(request, before);
        // The slots' service: both slots get the settings, so the next release starts with them too.
        var after = _session.Slots.AllComposeServicesOf(request.Service).Aggregate(before, (o, service) => o.With(service, wanted));
        after.Save(_state.Directory);
        reporter.Verbose($"{ComposeOverride.PathIn(_state.Directory)}:\n{after.Render()}");
        await using var probe = new AvailabilityProbe(_session.Config);
        var slotted = _session.Config.Update.BlueGreen && request.Service == _session.Slots.Logical;
        var switched = false;
        Switching.SlotDeployer? deployer = null;
        string? tag = null;
        try
        {
            var since = System.Diagnostics.Stopwatch.GetTimestamp();
            if (slotted)
            {
                // The serving slot is not recreated under users: its release starts with the new settings in the idle slot and the proxy switches to it.
                var slots = new Switching.SlotWork(_session);
                deployer = new Switching.SlotDeployer(slots, TimeSpan.FromSeconds(_session.Config.Update.Proxy!.DrainTimeoutSeconds));
                tag = slots.TagOrThrow(deployer.ServingOrThrow());
                await deployer.DeployAsync(tag, request.HealthTimeout, (_, _, _) => { }, () => "Nothing but the service's settings changed; Set-FrostServiceLimit again with the old values goes back.",
                    reporter, cancellationToken, () => switched = true).ConfigureAwait(false);
            }
            else
            {
                await _state.Compose.UpAsync([request.Service], request.HealthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
            }

            await _state.WaitHealthyAsync([request.Service], probe, since, request.HealthTimeout, DeploymentUpdater.ProgressId + 5, reporter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FrostException || e is OperationCanceledException)
        {
            reporter.Warning($"Applying the new settings of {request.Service} failed; putting the previous ones back.");
            before.Save(_state.Directory);
            try
            {
                if (slotted && switched)
                {
                    // Back by a switch to the slot that still has the previous settings (kept stopped), not by recreating the serving one under users.
                    await deployer!.DeployAsync(tag!, request.HealthTimeout, (_, _, _) => { }, () => "", reporter, CancellationToken.None).ConfigureAwait(false);
                }
                else if (!slotted)
                {
                    await _state.Compose.UpAsync([request.Service], request.HealthTimeout + TimeSpan.FromSeconds(60), reporter, CancellationToken.None).ConfigureAwait(false);
                }
                // Slots without a switch: the serving slot never changed; the new slot was stood down.
            }
            catch (FrostException restoreFailure)
            {
                throw new FrostException(restoreFailure.ErrorId, restoreFailure.Kind,
                    $"Applying the new settings of {request.Service} failed ({e.Message}), and so did applying the previous ones again: {restoreFailure.Message}",
                    request.Service, restoreFailure.RecommendedAction, new AggregateException(e, restoreFailure));
            }

            throw;
        }

        var running = (await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false)).Count(s => s.Service == request.Service && s.IsRunning);
        return new FrostServiceOverride
        {
            Service = request.Service,
            Replicas = wanted.Replicas ?? 1,
            MemoryLimit = wanted.MemoryBytes,
            Cpus = wanted.Cpus,
            OverrideFile = ComposeOverride.PathIn(_state.Directory),
            RunningInstances = running,
        };
    }
}
