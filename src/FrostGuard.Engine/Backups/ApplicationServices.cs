using Docker.DotNet.Models;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// The services that write to the database (backend and worker), stopped for a restore and
/// started again afterwards, waiting for their health checks.
/// </summary>
public sealed class ApplicationServices
{
    private readonly FrostSession _session;
    private readonly IReadOnlyList<string> _names;

    public ApplicationServices(FrostSession session, IReadOnlyList<string> names)
    {
        _session = session;
        _names = names;
    }

    /// <summary>The containers of the named services; every name must have one.</summary>
    public async Task<IReadOnlyList<FrostService>> FindAsync(CancellationToken cancellationToken)
    {
        var all = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        var targets = all.Where(s => _names.Contains(s.Service, StringComparer.Ordinal)).ToList();
        foreach (var missing in _names.Where(n => targets.All(t => t.Service != n)))
        {
            throw new FrostException(ErrorIds.ServiceNotFound, FailureKind.NotFound,
                $"Project {_session.Config.Project.Name} has no service '{missing}' to stop for the restore; nothing was changed.", missing,
                "Get-FrostService lists the services; pass the ones that write to the database with -StopService.");
        }

        return targets;
    }

    public async Task StopAsync(IReadOnlyList<FrostService> targets, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        foreach (var service in targets.Where(t => t.IsRunning))
        {
            reporter.Verbose($"stopping {service.Container}");
            await _session.Docker.CallAsync($"stop container {service.Container}",
                (c, ct) => c.Containers.StopContainerAsync(service.ContainerId, new ContainerStopParameters { WaitBeforeKillSeconds = 10 }, ct),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts the services and waits until each is running and healthy (or has no health check).</summary>
    public async Task StartAndWaitAsync(IReadOnlyList<FrostService> services, TimeSpan timeout, IFrostReporter reporter)
    {
        foreach (var service in services)
        {
            reporter.Verbose($"starting {service.Container}");
            await _session.Docker.CallAsync($"start container {service.Container}",
                (c, ct) => c.Containers.StartContainerAsync(service.ContainerId, new ContainerStartParameters(), ct),
                CancellationToken.None).ConfigureAwait(false);
        }

        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var now = await _session.Services.ListAsync(CancellationToken.None).ConfigureAwait(false);
            var waiting = now.Where(s => services.Any(t => t.ContainerId == s.ContainerId) && !(s.IsRunning && s.Health is "healthy" or "none")).ToList();
            if (waiting.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new FrostException(ErrorIds.ServiceUnhealthyAfterRestore, FailureKind.OperationFailed,
                    $"After the restore, {string.Join(", ", waiting.Select(w => $"{w.Service} is {w.State}/{w.Health}"))} ({timeout.TotalSeconds:N0} s).",
                    string.Join(",", waiting.Select(w => w.Service)),
                    $"Check `docker logs --tail 50 {waiting[0].Container}` and Get-FrostService; the database restore itself is done.");
            }

            await Task.Delay(500).ConfigureAwait(false);
        }
    }
}
