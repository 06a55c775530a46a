using System.Collections;
using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Hosting;

namespace FrostGuard.Fleet;

/// <summary>
/// Updates application hosts behind the load balancer, wave by wave: one backup where the
/// database is first; then for each wave, every load balancer stops forwarding to the wave's
/// hosts (the same verified switch as a slot switch), each host updates itself
/// (Update-FrostDeployment there), must pass its health checks, and is put back. A host that
/// fails is rolled back (its own update rolls back a failed update; a host that updated but is
/// unhealthy is undone), put back once healthy, and the rollout stops: the hosts after it keep
/// the release they run. Users only ever reach hosts that are in rotation and healthy.
/// </summary>
internal sealed class RollingUpdate(
    FleetConnection connection,
    string identity,
    IReadOnlyList<IReadOnlyList<FleetHost>> waves,
    IReadOnlyList<FleetHost> balancers,
    IReadOnlyList<FleetHost> databases,
    IReadOnlyDictionary<string, string> hostOfServer,
    Hashtable update,
    IReadOnlyList<string> gateChecks,
    bool skipBackup,
    QueuedReporter reporter,
    Action<object> emit,
    Action<ErrorRecord> error)
{
    private const int ActivityId = 70;

    /// <summary>Null when every wave was updated; otherwise why the rollout stopped.</summary>
    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        // Every host involved must answer with this build before anything changes: a host that
        // cannot would be taken out of rotation and then not updated.
        reporter.Progress(new ProgressUpdate(ActivityId, "Rolling update", "asking every host first"));
        var notReady = new List<string>();
        foreach (var host in waves.SelectMany(w => w).Concat(databases).Concat(balancers).DistinctBy(h => h.Name))
        {
            var failures = await RunAsync(host, host.HasRole("lb") ? "Get-FrostUpstream" : "Get-FrostDeployment", new Hashtable(), _ => { }, cancellationToken);
            notReady.AddRange(failures.Select(f => $"{host.Name}: {f}"));
        }

        if (notReady.Count > 0)
        {
            return $"Not every host is ready, so nothing changed: {string.Join("; ", notReady)}";
        }

        if (!skipBackup)
        {
            foreach (var database in databases)
            {
                reporter.Progress(new ProgressUpdate(ActivityId, "Rolling update", $"backup on {database.Name} before any host changes"));
                var backups = 0;
                var failures = await RunAsync(database, "Invoke-FrostBackup", new Hashtable { ["Label"] = "before-rolling-update", ["Verify"] = true }, o =>
                {
                    backups++;
                    emit(o);
                }, cancellationToken);
                if (failures.Count > 0 || backups == 0)
                {
                    return $"The backup on {database.Name} failed, so no host was updated: {string.Join("; ", failures)}";
                }
            }
        }

        for (var index = 0; index < waves.Count; index++)
        {
            var wave = waves[index];
            var names = string.Join(", ", wave.Select(h => h.Name));
            var activity = $"Rolling update, wave {index + 1} of {waves.Count}: {names}";
            reporter.Progress(new ProgressUpdate(ActivityId, activity, "taking the hosts out of the load balancer", index * 100 / waves.Count));
            var outOfRotation = wave.Select(h => h.Upstream!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (await SwitchAsync(servers => servers.Where(s => !outOfRotation.Contains(s)).ToList(), cancellationToken) is { } notOut)
            {
                // A balancer that did switch takes the wave back: no host changed.
                var restored = await SwitchAsync(servers => servers.Concat(outOfRotation.Where(h => !servers.Contains(h, StringComparer.OrdinalIgnoreCase))).ToList(), CancellationToken.None);
                return $"Wave {index + 1} ({names}) was not taken out of the load balancer, so it was not updated: {notOut}"
                       + (restored is null ? " Every balancer forwards to it again." : $" Putting it back failed too: {restored}. Set-FrostUpstream -Target lb puts it back.");
            }

            reporter.Progress(new ProgressUpdate(ActivityId, activity, "updating the hosts", index * 100 / waves.Count));
            (bool Updated, bool Healthy, string? Problem)[] outcomes;
            try
            {
                outcomes = await Task.WhenAll(wave.Select(host => UpdateHostAsync(host, cancellationToken)));
            }
            catch (OperationCanceledException)
            {
                // Stopped mid-update: these hosts may be half-way, so they stay out of rotation. Say so loudly.
                reporter.Warning($"The rolling update was stopped while {names} updated: they are OUT of the load balancer's rotation. "
                                 + $"Check each (Test-FrostHealth -Target {string.Join(",", wave.Select(h => h.Name))}), then put them back: "
                                 + $"Set-FrostUpstream -Target lb -Server (current servers plus {string.Join(", ", outOfRotation)}).");
                throw;
            }

            var healthy = wave.Where((_, i) => outcomes[i].Healthy).Select(h => h.Upstream!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            reporter.Progress(new ProgressUpdate(ActivityId, activity, "putting the healthy hosts back", (index + 1) * 100 / waves.Count));
            var backIn = await SwitchAsync(servers => servers.Concat(healthy.Where(h => !servers.Contains(h, StringComparer.OrdinalIgnoreCase))).ToList(), cancellationToken);
            var failed = wave.Select((host, i) => (host, outcome: outcomes[i])).Where(x => !x.outcome.Updated).Select(x => $"{x.host.Name}: {x.outcome.Problem}").ToList();
            if (failed.Count > 0 || backIn is not null)
            {
                reporter.Progress(new ProgressUpdate(ActivityId, activity, "stopped", 100, Completed: true));
                var left = waves.Skip(index + 1).SelectMany(w => w).Select(h => h.Name).ToList();
                return $"Wave {index + 1} of {waves.Count} failed ({string.Join("; ", failed)}){(backIn is null ? "" : $"; putting hosts back failed: {backIn}")}. "
                       + (left.Count > 0 ? $"Not updated: {string.Join(", ", left)}." : "It was the last wave.");
            }
        }

        reporter.Progress(new ProgressUpdate(ActivityId, "Rolling update", "done", 100, Completed: true));
        return null;
    }

    /// <summary>Updates one host (out of rotation), checks its health, and undoes the update when it is not healthy.</summary>
    private async Task<(bool Updated, bool Healthy, string? Problem)> UpdateHostAsync(FleetHost host, CancellationToken cancellationToken)
    {
        FrostUpdateResult? result = null;
        var problems = await RunAsync(host, "Update-FrostDeployment", update, o =>
        {
            result ??= o as FrostUpdateResult;
            emit(o);
        }, cancellationToken);
        if (result is not { Succeeded: true })
        {
            // A failed update rolls itself back; the host runs what it ran before. Is it healthy?
            var why = result?.Failure ?? string.Join("; ", problems);
            var back = await CriticalAsync(host, cancellationToken);
            return (false, back.Count == 0, $"the update failed ({why}){(back.Count == 0 ? "; it runs its previous release and is healthy" : "; it is not healthy: " + string.Join("; ", back))}");
        }

        var critical = await CriticalAsync(host, cancellationToken);
        if (critical.Count == 0)
        {
            return (true, true, null);
        }

        var undone = await RunAsync(host, "Undo-FrostDeployment", new Hashtable { ["Confirm"] = false }, emit, cancellationToken);
        var after = await CriticalAsync(host, cancellationToken);
        return (false, after.Count == 0 && undone.Count == 0,
            $"updated but unhealthy ({string.Join("; ", critical)}); {(undone.Count == 0 ? "undone" : "the undo failed: " + string.Join("; ", undone))}{(after.Count == 0 ? ", healthy again" : ", still unhealthy: " + string.Join("; ", after))}");
    }

    /// <summary>The Critical results of the host's health checks (the gate's); an error counts as one.</summary>
    private async Task<List<string>> CriticalAsync(FleetHost host, CancellationToken cancellationToken)
    {
        var critical = new List<string>();
        var check = new Hashtable();
        if (gateChecks.Count > 0)
        {
            check["Check"] = gateChecks.ToArray();
        }

        var failures = await RunAsync(host, "Test-FrostHealth", check, o =>
        {
            if (o is FrostHealthResult { Status: HealthStatus.Critical } result)
            {
                lock (critical)
                {
                    critical.Add($"{result.Check} {result.Target}: {result.Message}");
                }
            }
        }, cancellationToken);
        critical.AddRange(failures);
        return critical;
    }

    /// <summary>Sets every load balancer's servers to what <paramref name="change"/> makes of its current ones; null when all switched.</summary>
    private async Task<string?> SwitchAsync(Func<IReadOnlyList<string>, List<string>> change, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var balancer in balancers)
        {
            FrostUpstream? now = null;
            var failures = await RunAsync(balancer, "Get-FrostUpstream", new Hashtable(), o => now ??= o as FrostUpstream, cancellationToken);
            if (now is null)
            {
                problems.Add($"{balancer.Name}: its upstream could not be read ({string.Join("; ", failures)})");
                continue;
            }

            var servers = change(now.Servers);
            if (servers.Count == 0)
            {
                problems.Add($"{balancer.Name}: that would leave it no server");
                continue;
            }

            if (servers.SequenceEqual(now.Servers, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var name = string.Join('+', servers.Select(s => hostOfServer.TryGetValue(s, out var h) ? h : s.Replace(':', '-')));
            failures = await RunAsync(balancer, "Set-FrostUpstream", new Hashtable { ["Server"] = servers.ToArray(), ["Name"] = name, ["Confirm"] = false }, _ => { }, cancellationToken);
            problems.AddRange(failures.Select(f => $"{balancer.Name}: {f}"));
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>Runs a FrostGuard command on a host; its objects go to <paramref name="write"/>, its errors are written and returned as text.</summary>
    private async Task<List<string>> RunAsync(FleetHost host, string command, Hashtable parameters, Action<object> write, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        try
        {
            var session = await connection.SessionAsync(host, cancellationToken);
            await RemoteCommand.RunAsync(session, identity, command, parameters, write, record =>
            {
                lock (failures)
                {
                    failures.Add(record.Exception.Message);
                }

                error(record);
            }, cancellationToken);
        }
        catch (FrostException e)
        {
            failures.Add(e.Message);
            error(FrostErrors.ToRecord(e));
        }

        return failures;
    }
}
