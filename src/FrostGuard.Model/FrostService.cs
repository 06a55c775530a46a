namespace FrostGuard;

// The members of these two enums are Docker's own lower-case words, not PascalCase: PowerShell
// shows an enum by its member name, so tables, messages and `docker ps` keep reading alike.

/// <summary>Docker's state of a container.</summary>
public enum FrostContainerState
{
    created,
    running,
    paused,
    restarting,
    removing,
    exited,
    dead,
    /// <summary>Docker reported no state, or one this version of FrostGuard does not know.</summary>
    unknown,
}

/// <summary>What a container's healthcheck last said.</summary>
public enum FrostContainerHealth
{
    /// <summary>The service defines no healthcheck.</summary>
    none,
    starting,
    healthy,
    unhealthy,
    /// <summary>Docker reported a health this version of FrostGuard does not know.</summary>
    unknown,
}

/// <summary>One container of a Compose service: a scaled service yields one per instance.</summary>
public sealed class FrostService
{
    private string? _composeService;

    /// <summary>The fleet host this came from (-Target); empty on the host itself.</summary>
    public string? Host { get; init; }
    public required string Project { get; init; }
    /// <summary>The service as FrostGuard's commands name it: for a backend slot, the service the slots serve (backend).</summary>
    public required string Service { get; init; }
    /// <summary>The Compose service of the container: <see cref="Service"/>, or the slot's own service (backend-blue).</summary>
    public string ComposeService { get => _composeService ?? Service; init => _composeService = value; }
    /// <summary>The slot this container runs in (blue, green) when the service runs in slots; null otherwise.</summary>
    public string? Slot { get; init; }
    /// <summary>True for the slot that does not serve: the previous release kept stopped, or the next one starting.</summary>
    public bool IsIdleSlot { get; init; }
    public int Instance { get; init; }
    public required string Container { get; init; }
    public required string ContainerId { get; init; }
    /// <summary>Docker's state: created, running, paused, restarting, removing, exited, dead.</summary>
    public required FrostContainerState State { get; init; }
    /// <summary>healthy, unhealthy, starting, or none when the service defines no healthcheck.</summary>
    public required FrostContainerHealth Health { get; init; }
    public TimeSpan? Uptime { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public int RestartCount { get; init; }
    public int? ExitCode { get; init; }
    public bool OomKilled { get; init; }
    public required string Image { get; init; }
    public required string ImageId { get; init; }
    /// <summary>The output of the most recent health probe, when the service has a healthcheck.</summary>
    public string? LastProbeOutput { get; init; }
    /// <summary>The container's memory limit in bytes (Compose mem_limit); null when it has none.</summary>
    public long? MemoryLimit { get; init; }
    /// <summary>The container's CPU limit in CPUs (Compose cpus); null when it has none.</summary>
    public double? CpuLimit { get; init; }
    /// <summary>Live CPU and memory use; filled only by Get-FrostService -Resources.</summary>
    public FrostServiceResources? Resources { get; set; }

    public bool IsRunning => State == FrostContainerState.running;

    public override string ToString() => Instance > 1 ? $"{Service}#{Instance}" : Service;
}
