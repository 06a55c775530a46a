namespace FrostGuard;

/// <summary>What a proxy or load balancer forwards to: the upstream include FrostGuard writes (update.proxy).</summary>
public sealed class FrostUpstream
{
    /// <summary>The fleet host this came from (-Target); empty on the host itself.</summary>
    public string? Host { get; init; }
    /// <summary>The nginx upstream's name (update.proxy.upstreamName).</summary>
    public required string Upstream { get; init; }
    /// <summary>The target's name, sent back in X-FrostGuard-Slot (a slot, or the hosts in rotation).</summary>
    public required string Target { get; init; }
    /// <summary>The servers requests go to (host:port).</summary>
    public required IReadOnlyList<string> Servers { get; init; }
    /// <summary>The include file.</summary>
    public required string Path { get; init; }

    public override string ToString() => $"{Target} ({string.Join(", ", Servers)})";
}
