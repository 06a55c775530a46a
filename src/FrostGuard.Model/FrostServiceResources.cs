namespace FrostGuard;

/// <summary>
/// Live resource use of one container, from two one-shot Engine API stats samples: CPU % by the
/// docker CLI formula, memory without the inactive file cache (as `docker stats` shows it).
/// </summary>
public sealed class FrostServiceResources
{
    /// <summary>Share of the host's CPUs, 100 per fully used CPU (as `docker stats`).</summary>
    public double CpuPercent { get; init; }
    public int OnlineCpus { get; init; }
    /// <summary>Usage minus inactive file cache (cgroup v1 total_inactive_file, v2 inactive_file).</summary>
    public long MemoryBytes { get; init; }
    /// <summary>The container's memory limit; the host's memory when none is set.</summary>
    public long MemoryLimitBytes { get; init; }
    public double MemoryPercent { get; init; }
    /// <summary>v1 or v2, from what the samples report (only v1 has total_* memory figures and per-CPU usage).</summary>
    public required string CgroupVersion { get; init; }
    public TimeSpan SampleInterval { get; init; }

    public override string ToString() =>
        $"CPU {CpuPercent:F1}%, memory {MemoryBytes / 1048576.0:F1} MiB of {MemoryLimitBytes / 1048576.0:F0} MiB ({MemoryPercent:F1}%)";
}
