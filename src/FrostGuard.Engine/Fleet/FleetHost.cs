namespace FrostGuard.Engine.Fleet;

/// <summary>
/// One row of the fleet inventory: where a host's sshd listens, who FrostGuard logs in as, with
/// which key, what the host does (<see cref="Roles"/>) and where FrostGuard's configuration is on it.
/// <see cref="Upstream"/> is the server (host:port) a load balancer forwards to for an application host.
/// </summary>
public sealed record FleetHost(
    string Name,
    string Address,
    int Port,
    string User,
    string KeyFile,
    IReadOnlyList<string> Roles,
    string? ConfigPath,
    int Line,
    string? Upstream = null)
{
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.OrdinalIgnoreCase);

    /// <summary>How ssh names the host in a known-hosts file: [address]:port unless the port is 22.</summary>
    public string KnownHostsName => Port == 22 ? Address : $"[{Address}]:{Port}";

    public override string ToString() => $"{Name} ({User}@{Address}:{Port})";
}
