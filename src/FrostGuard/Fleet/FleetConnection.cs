using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;

namespace FrostGuard.Fleet;

/// <summary>
/// The sessions of one fleet command: each host's session is leased from the
/// <see cref="SessionPool"/> or opened, once, on first use, reused by everything the command runs
/// there, and given back when the command ends. A session
/// that does not open becomes a FrostException that says why (unreachable, key unknown or
/// changed, login refused), for that host alone.
/// </summary>
internal sealed class FleetConnection : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<HostSession>>> _sessions = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _discarded = new(StringComparer.OrdinalIgnoreCase);

    public FleetConnection(FleetInventory inventory, TimeSpan connectTimeout)
    {
        Inventory = inventory;
        ConnectTimeout = connectTimeout;
    }

    public FleetInventory Inventory { get; }

    public TimeSpan ConnectTimeout { get; }

    public Task<HostSession> SessionAsync(FleetHost host, CancellationToken cancellationToken) =>
        _sessions.GetOrAdd(host.Name, _ => new Lazy<Task<HostSession>>(() => OpenAsync(host, cancellationToken))).Value;

    private async Task<HostSession> OpenAsync(FleetHost host, CancellationToken cancellationToken)
    {
        if (!File.Exists(host.KeyFile))
        {
            throw new FrostException(ErrorIds.HostSessionFailed, FailureKind.NotFound,
                $"The key file {host.KeyFile} of host {host.Name} does not exist.", host.Name,
                $"Fix the Key file of host {host.Name} (inventory {Inventory.Path}, line {host.Line}).");
        }

        if (SessionPool.Lease(SessionPool.KeyOf(host, Inventory.KnownHostsFile)) is { } pooled)
        {
            return pooled;
        }

        if (await HostKeyCheck.RefusalAsync(host, Inventory.KnownHostsFile, ConnectTimeout, cancellationToken) is { } refused)
        {
            throw refused;
        }

        var (session, error) = await HostSession.OpenAsync(host, Inventory.KnownHostsFile, ConnectTimeout, cancellationToken);
        return session
               ?? throw await HostKeyCheck.RefusalAsync(host, Inventory.KnownHostsFile, ConnectTimeout, cancellationToken)
               ?? HostKeyCheck.SessionFailed(host, error ?? "no session");
    }

    /// <summary>Closes the host's session when the command ends instead of keeping it (its pwsh has a build loaded that was just replaced).</summary>
    public void Discard(FleetHost host) => _discarded[host.Name] = true;

    public void Dispose()
    {
        foreach (var (name, lazy) in _sessions.Where(s => s.Value.IsValueCreated))
        {
            if (!lazy.Value.IsCompletedSuccessfully)
            {
                continue;
            }

            var session = lazy.Value.Result;
            if (_discarded.ContainsKey(name))
            {
                session.Dispose();
            }
            else
            {
                SessionPool.Return(SessionPool.KeyOf(session.Host, Inventory.KnownHostsFile), session);
            }
        }
    }
}
