using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using FrostGuard.Engine.Fleet;

namespace FrostGuard.Fleet;

/// <summary>
/// Open host sessions kept between commands of one controller process, as an operator keeps
/// PSSessions: the next command on a host skips the SSH handshake, the remote pwsh's start and
/// FrostGuard's import there. A command leases a session (no two commands share one at a time)
/// and gives it back when it ends. A session is keyed by everything that decided whether it
/// could open (address, port, user, key file, the known-hosts file and when it last changed), so
/// an edited known-hosts file is checked again; a broken one is dropped; an install drops the
/// host's (its pwsh has the previous build loaded).
/// </summary>
internal static class SessionPool
{
    private static readonly ConcurrentDictionary<string, HostSession> Idle = new();

    public static string KeyOf(FleetHost host, string knownHostsFile) =>
        string.Join('|', host.User, host.Address, host.Port, host.KeyFile, knownHostsFile,
            File.Exists(knownHostsFile) ? File.GetLastWriteTimeUtc(knownHostsFile).Ticks : 0);

    /// <summary>An open idle session for the key, taken out of the pool; null when there is none.</summary>
    public static HostSession? Lease(string key)
    {
        while (Idle.TryRemove(key, out var session))
        {
            if (IsUsable(session))
            {
                return session;
            }

            session.Dispose();
        }

        return null;
    }

    /// <summary>Puts a session back for the next command, or closes it when it broke or the pool has one already.</summary>
    public static void Return(string key, HostSession session)
    {
        if (!IsUsable(session) || !Idle.TryAdd(key, session))
        {
            session.Dispose();
        }
    }

    private static bool IsUsable(HostSession session) =>
        session.Session.Runspace.RunspaceStateInfo.State == RunspaceState.Opened
        && session.Session.Runspace.RunspaceAvailability == RunspaceAvailability.Available;
}
