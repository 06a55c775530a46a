using System.Diagnostics;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>Slots for real: the .env, Compose, the Docker Engine, /proc/net/tcp and the deployment's nginx.</summary>
public sealed class SlotWork : ISlotWork
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>As the sandbox's stop_grace_period: SIGTERM, then SIGKILL after this.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private readonly FrostSession _session;
    private readonly ServiceSlots _slots;
    private readonly ProxySection _proxy;

    public SlotWork(FrostSession session)
    {
        _session = session;
        _slots = session.Slots;
        var proxy = session.Config.Update.Proxy ?? throw new InvalidOperationException("update.proxy is required for slots (checked when the configuration is read)");
        _proxy = proxy;
        Switch = new UpstreamSwitch(proxy, new NginxInContainer(session, proxy));
    }

    public IReadOnlyList<SlotSection> Slots => _slots.All;

    public string ReleaseTagKey => DeploymentState.TagKey(_slots.Logical);

    public UpstreamSwitch Switch { get; }

    private string EnvPath => _session.Config.Project.EnvPath;

    public SlotSection? Serving() => _slots.Serving();

    public string? TagOf(SlotSection slot) => EnvFile.Load(EnvPath).TryGet(DeploymentState.TagKey(slot.Service), out var tag) ? tag : null;

    public string TagOrThrow(SlotSection slot) => TagOf(slot) ?? throw new FrostException(ErrorIds.UpdatePreflightFailed, FailureKind.InvalidConfiguration,
        $"{EnvPath} has no {DeploymentState.TagKey(slot.Service)}, the image tag of slot {slot.Name}. Nothing was changed.", slot.Service,
        $"Add {DeploymentState.TagKey(slot.Service)}=<tag> to the .env and use it in the image line of {slot.Service}.");

    public void SetTag(SlotSection slot, string tag)
    {
        var tags = new Dictionary<string, string> { [DeploymentState.TagKey(slot.Service)] = tag };
        DeploymentState.CheckTags(tags);
        EnvFile.Set(EnvPath, tags);
    }

    public void SetServing(SlotSection slot, string tag)
    {
        var env = EnvFile.Load(EnvPath);
        var profiles = _slots.ProfilesServing(env.TryGet(ServiceSlots.ProfilesKey, out var p) ? p : null, slot);
        var values = new Dictionary<string, string> { [ReleaseTagKey] = tag, [ServiceSlots.ProfilesKey] = profiles };
        DeploymentState.CheckTags(new Dictionary<string, string> { [ReleaseTagKey] = tag });
        EnvFile.Set(EnvPath, values);
    }

    public Task StartAsync(SlotSection slot, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new ComposeCli(_session.Config).UpAsync([slot.Service], timeout, reporter, cancellationToken);

    public async Task WaitHealthyAsync(SlotSection slot, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var container = await ContainerAsync(slot, cancellationToken).ConfigureAwait(false);
            // A container that exits and is restarted by its restart policy is failing, not starting.
            if (container is { State: FrostContainerState.exited or FrostContainerState.dead or FrostContainerState.restarting } || container is { RestartCount: > 0 }
                || container?.Health == FrostContainerHealth.unhealthy)
            {
                throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed,
                    $"Slot {slot.Name} ({container.Container}) is {container.State}/{container.Health} instead of running and healthy"
                    + (container.LastProbeOutput is { Length: > 0 } probe ? $"; last health probe: {probe.Trim()}" : ""),
                    slot.Service, $"Read its log: docker logs --tail 50 {container.Container}");
            }

            if (container is { IsRunning: true, Health: FrostContainerHealth.healthy or FrostContainerHealth.none })
            {
                reporter.Verbose($"slot {slot.Name} healthy after {clock.Elapsed.TotalSeconds:F1} s");
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new FrostException(ErrorIds.UpdateHealthTimeout, FailureKind.OperationFailed,
                    $"Slot {slot.Name} was not healthy within {timeout.TotalSeconds:0} s: {(container is null ? "it has no container" : $"{container.Container} is {container.State}/{container.Health}")}.",
                    slot.Service, $"Read its log (docker logs --tail 50 {container?.Container ?? slot.Service}), or allow longer with -HealthTimeoutSeconds.");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<SlotCondition> ConditionAsync(SlotSection slot, CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(slot, cancellationToken).ConfigureAwait(false);
        return container is null
            ? new SlotCondition(false, false, false, $"slot {slot.Name} has no container")
            : new SlotCondition(true, container.IsRunning || container.State == FrostContainerState.restarting, container.IsRunning && container.Health is FrostContainerHealth.healthy or FrostContainerHealth.none,
                $"slot {slot.Name} ({container.Image}) is {container.State}/{container.Health}");
    }

    public Task<ProxyAnswer?> AskSlotAsync(SlotSection slot, CancellationToken cancellationToken) =>
        NginxInContainer.AskAsync($"http://{slot.Address}{_proxy.VerifyPath}", cancellationToken);

    public async Task<int> DrainAsync(SlotSection slot, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var open = ListeningSockets.EstablishedTo(slot.Port);
            if (open == 0 || clock.Elapsed >= timeout)
            {
                return open;
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(SlotSection slot, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(slot, cancellationToken).ConfigureAwait(false);
        if (container is null)
        {
            return;
        }

        // The controller stops a restarting container too (a release that exits at start-up): docker stop ends the restarts.
        reporter.Verbose($"slot {slot.Name} ({container.Container}) is kept for a fast undo");
        await new ServiceController(_session.Docker, _session.Services).StopAsync(container, StopGrace, reporter, cancellationToken).ConfigureAwait(false);
    }

    private async Task<FrostService?> ContainerAsync(SlotSection slot, CancellationToken cancellationToken)
    {
        var all = await _session.Services.ListAsync(true, cancellationToken).ConfigureAwait(false);
        return all.Where(s => s.ComposeService == slot.Service).OrderByDescending(s => s.IsRunning).FirstOrDefault();
    }
}
