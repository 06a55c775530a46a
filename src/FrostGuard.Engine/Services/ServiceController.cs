using Docker.DotNet.Models;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Services;

/// <summary>
/// Starts, stops and restarts the containers of Compose services through the Engine API, and
/// waits on the condition itself (running, and healthy where there is a healthcheck).
/// </summary>
public sealed class ServiceController
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly DockerGateway _docker;
    private readonly ServiceInventory _inventory;
    private readonly TimeProvider _clock;

    public ServiceController(DockerGateway docker, ServiceInventory inventory, TimeProvider? clock = null)
    {
        _docker = docker;
        _inventory = inventory;
        _clock = clock ?? TimeProvider.System;
    }

    public async Task<FrostService> StartAsync(FrostService service, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        await StartContainerAsync(service, reporter, cancellationToken).ConfigureAwait(false);
        return await WaitUntilReadyAsync(service, timeout, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the Engine to start the container (nothing when it runs); does not wait for it.</summary>
    public async Task StartContainerAsync(FrostService service, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (service.IsRunning)
        {
            reporter.Verbose($"{service.Container} is already running.");
            return;
        }

        reporter.Verbose($"Starting {service.Container}.");
        await _docker.CallAsync($"start {service.Container}",
            (c, ct) => c.Containers.StartContainerAsync(service.ContainerId, new ContainerStartParameters(), ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stopping a stopped service is not an error: it is already where it was asked to be.</summary>
    public async Task<FrostService> StopAsync(FrostService service, TimeSpan gracePeriod, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (!service.IsRunning && service.State is not (FrostContainerState.restarting or FrostContainerState.paused))
        {
            reporter.Verbose($"{service.Container} is already {service.State}.");
            return service;
        }

        reporter.Verbose($"Stopping {service.Container} (its stop signal, SIGKILL after {gracePeriod.TotalSeconds:F0} s).");
        var parameters = new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(gracePeriod.TotalSeconds) };
        await _docker.CallAsync($"stop {service.Container}",
            (c, ct) => c.Containers.StopContainerAsync(service.ContainerId, parameters, ct), cancellationToken).ConfigureAwait(false);
        return await InspectAsync(service, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the container (as <see cref="StopAsync"/>), then removes it; compose up creates it again.</summary>
    public async Task StopAndRemoveAsync(FrostService service, TimeSpan gracePeriod, bool force, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        await StopAsync(service, gracePeriod, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"Removing {service.Container}.");
        await _docker.CallAsync($"remove {service.Container}",
            async (c, ct) =>
            {
                await c.Containers.RemoveContainerAsync(service.ContainerId, new ContainerRemoveParameters { Force = force }, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<FrostService> RestartAsync(FrostService service, TimeSpan gracePeriod, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        reporter.Verbose($"Restarting {service.Container}.");
        var parameters = new ContainerRestartParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(gracePeriod.TotalSeconds) };
        await _docker.CallAsync($"restart {service.Container}",
            async (c, ct) =>
            {
                await c.Containers.RestartContainerAsync(service.ContainerId, parameters, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        return await WaitUntilReadyAsync(service, timeout, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Polls the container's state until it is running and, when it has a healthcheck, healthy.
    /// A container that exits or turns unhealthy on the way fails at once, not at the timeout.
    /// </summary>
    public async Task<FrostService> WaitUntilReadyAsync(FrostService service, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        var activity = new ProgressUpdate(Math.Abs(service.ContainerId.GetHashCode()) % 10000 + 100, $"Waiting for {service.Container}", "");
        try
        {
            while (true)
            {
                var current = await InspectAsync(service, cancellationToken).ConfigureAwait(false);
                if (current.IsRunning && current.Health is FrostContainerHealth.healthy or FrostContainerHealth.none)
                {
                    reporter.Verbose($"{current.Container} is running{(current.Health == FrostContainerHealth.healthy ? " and healthy" : "")} after {_clock.GetElapsedTime(started).TotalSeconds:F1} s.");
                    return current;
                }

                if (current.State is FrostContainerState.exited or FrostContainerState.dead || current.Health == FrostContainerHealth.unhealthy)
                {
                    throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed,
                        $"{current.Container} is {current.State}{(current.Health != FrostContainerHealth.none ? "/" + current.Health : "")} instead of running and healthy"
                        + (current.LastProbeOutput is { Length: > 0 } probe ? $"; last health probe: {probe}" : ""),
                        service.Service,
                        $"Read its log: Get-FrostLog -Name {service.Service} -Tail 50");
                }

                var elapsed = _clock.GetElapsedTime(started);
                if (elapsed >= timeout)
                {
                    throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed,
                        $"{current.Container} is still {current.State}/{current.Health} after {timeout.TotalSeconds:F0} s",
                        service.Service,
                        $"Read its log (Get-FrostLog -Name {service.Service} -Tail 50), or wait longer with -TimeoutSeconds.");
                }

                reporter.Progress(activity with { Status = $"{current.State}/{current.Health}, {elapsed.TotalSeconds:F0} of {timeout.TotalSeconds:F0} s" });
                await Task.Delay(PollInterval, _clock, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            reporter.Progress(activity with { Completed = true });
        }
    }

    private async Task<FrostService> InspectAsync(FrostService service, CancellationToken cancellationToken)
    {
        var inspected = await _docker.CallAsync($"inspect {service.Container}",
            (c, ct) => c.Containers.InspectContainerAsync(service.ContainerId, ct), cancellationToken).ConfigureAwait(false);
        return _inventory.ToService(inspected);
    }
}
