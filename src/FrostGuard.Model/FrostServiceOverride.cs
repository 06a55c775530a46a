namespace FrostGuard;

/// <summary>
/// The scale and resource limits FrostGuard manages for one service in the deployment's compose
/// override file, as Set-FrostServiceScale and Set-FrostServiceLimit leave them.
/// </summary>
public sealed class FrostServiceOverride
{
    public required string Service { get; init; }
    /// <summary>The number of containers; 1 when the override sets none.</summary>
    public int Replicas { get; init; } = 1;
    /// <summary>Memory limit in bytes (Compose mem_limit); null for none.</summary>
    public long? MemoryLimit { get; init; }
    /// <summary>CPU limit in CPUs (Compose cpus); null for none.</summary>
    public double? Cpus { get; init; }
    /// <summary>The override file written.</summary>
    public required string OverrideFile { get; init; }
    /// <summary>The containers of the service after Compose applied the change (running and healthy).</summary>
    public int RunningInstances { get; init; }

    public override string ToString() =>
        $"{Service}: {Replicas} replica(s), memory {(MemoryLimit is { } m ? $"{m / 1048576.0:0} MiB" : "unlimited")}, cpus {(Cpus is { } c ? c.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : "unlimited")}";
}
