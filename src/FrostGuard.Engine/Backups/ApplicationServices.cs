using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// The services that write to the database (backend and worker), stopped for a restore and
/// started again afterwards, waiting for their health checks (through the one
/// <see cref="ServiceController"/>).
/// </summary>
public sealed class ApplicationServices
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly FrostSession _session;
    private readonly IReadOnlyList<string> _names;
    private readonly ServiceController _controller;
    private readonly TimeProvider _clock;

    public ApplicationServices(FrostSession session, IReadOnlyList<string> names, TimeProvider? clock = null)
    {
        _session = session;
        _names = names;
        _clock = clock ?? TimeProvider.System;
        _controller = new ServiceController(session.Docker, session.Services, _clock);
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
            await _controller.StopAsync(service, StopGrace, reporter, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts the services in the order given (as before: backend before worker), then waits until
    /// all run healthy (or have no health check), together and within one timeout: one that does
    /// not come back keeps none of the others stopped. Never cancelled: the services come back
    /// whatever happens. Every failure is named in one ServiceUnhealthyAfterRestore.
    /// </summary>
    public async Task StartAndWaitAsync(IReadOnlyList<FrostService> services, TimeSpan timeout, IFrostReporter reporter)
    {
        // Their state now, not when they were stopped: a service is started unless it runs already.
        var current = (await _session.Services.ListAsync(CancellationToken.None).ConfigureAwait(false)).ToDictionary(s => s.ContainerId);
        var targets = services.Select(s => current.GetValueOrDefault(s.ContainerId, s)).ToList();
        var started = _clock.GetTimestamp();
        var failures = new List<(FrostService Service, Exception Error)>();
        var waiting = new List<(FrostService Service, Task Task)>();
        foreach (var service in targets)
        {
            try
            {
                await _controller.StartContainerAsync(service, reporter, CancellationToken.None).ConfigureAwait(false);
                waiting.Add((service, _controller.WaitUntilReadyAsync(service, timeout, reporter, CancellationToken.None)));
            }
            catch (FrostException e)
            {
                failures.Add((service, e)); // the others are started all the same
            }
        }

        await Task.WhenAll(waiting.Select(w => w.Task)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        failures.AddRange(waiting.Where(w => !w.Task.IsCompletedSuccessfully)
            .Select(w => (w.Service, w.Task.Exception?.GetBaseException() ?? (Exception)new TaskCanceledException($"waiting for {w.Service.Container} was cancelled"))));
        if (failures.Count == 0)
        {
            return;
        }

        var errors = failures.Select(f => f.Error).ToList();
        throw new FrostException(ErrorIds.ServiceUnhealthyAfterRestore, FailureKind.OperationFailed,
            $"After the restore, {string.Join("; ", errors.Select(e => e.Message))} (waited {_clock.GetElapsedTime(started).TotalSeconds:N0} of {timeout.TotalSeconds:N0} s).",
            string.Join(",", failures.Select(f => f.Service.Service)),
            $"Check `docker logs --tail 50 {failures[0].Service.Container}` and Get-FrostService; the database restore itself is done.",
            errors.Count == 1 ? errors[0] : new AggregateException(errors));
    }
}
