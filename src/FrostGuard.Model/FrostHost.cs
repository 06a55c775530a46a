namespace FrostGuard;

/// <summary>One host of the fleet inventory, with what Get-FrostHost found when it asked it.</summary>
public sealed class FrostHost
{
    public required string Name { get; init; }
    public required string Address { get; init; }
    public int Port { get; init; }
    public required string User { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    /// <summary>The FrostGuard configuration on that host; empty for the host's default.</summary>
    public string? ConfigPath { get; init; }
    /// <summary>True when the session opened (the host key was trusted and the login worked).</summary>
    public bool Reachable { get; init; }
    /// <summary>The FrostGuard build active on the host ("0.1.0+3f2a9c0d1e4b"), empty when none is installed.</summary>
    public string? FrostGuardVersion { get; init; }
    /// <summary>True when the host runs the controller's build, so fleet commands run there.</summary>
    public bool VersionMatches { get; init; }
    public string? DockerVersion { get; init; }
    public string? Project { get; init; }
    public int ContainersRunning { get; init; }
    public int ContainersTotal { get; init; }
    /// <summary>Ok, or what is wrong (unreachable, key refused, not installed, other build, no Docker).</summary>
    public required string State { get; init; }
    public string? Message { get; init; }
    /// <summary>How long asking the host took, session set-up included.</summary>
    public TimeSpan Duration { get; init; }

    public bool HasRole(string role) => Roles.Contains(role, StringComparer.OrdinalIgnoreCase);

    public override string ToString() => Name;
}
