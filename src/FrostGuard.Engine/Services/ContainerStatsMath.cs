using Docker.DotNet.Models;

namespace FrostGuard.Engine.Services;

/// <summary>
/// The docker CLI's arithmetic over Engine API stats samples (cli/command/container/stats_helpers.go):
/// CPU % from the deltas between two samples, memory without the inactive file cache.
/// </summary>
public static class ContainerStatsMath
{
    /// <summary>
    /// Δ container CPU time / Δ system CPU time × online CPUs × 100; 0 when either delta is not
    /// positive (a restarted container or the same sample twice).
    /// </summary>
    public static double CpuPercent(ContainerStatsResponse previous, ContainerStatsResponse current)
    {
        var cpuDelta = (double)(current.CPUStats?.CPUUsage?.TotalUsage ?? 0) - (previous.CPUStats?.CPUUsage?.TotalUsage ?? 0);
        var systemDelta = (double)(current.CPUStats?.SystemUsage ?? 0) - (previous.CPUStats?.SystemUsage ?? 0);
        if (cpuDelta <= 0 || systemDelta <= 0)
        {
            return 0;
        }

        return cpuDelta / systemDelta * OnlineCpus(current) * 100.0;
    }

    /// <summary>online_cpus, else the number of per-CPU counters (older daemons, cgroup v1).</summary>
    public static int OnlineCpus(ContainerStatsResponse sample)
    {
        if (sample.CPUStats?.OnlineCPUs is > 0 and var online)
        {
            return (int)online;
        }

        return sample.CPUStats?.CPUUsage?.PercpuUsage?.Count is > 0 and var count ? count : 1;
    }

    /// <summary>
    /// Usage minus the inactive file cache, which the kernel reclaims on demand: cgroup v1 reports
    /// it as total_inactive_file, v2 as inactive_file. This is what `docker stats` shows.
    /// </summary>
    public static long MemoryUsedBytes(MemoryStats? memory)
    {
        var usage = memory?.Usage ?? 0;
        var stats = memory?.Stats ?? new Dictionary<string, ulong>();
        if (stats.TryGetValue("total_inactive_file", out var v1) && v1 < usage)
        {
            return (long)(usage - v1);
        }

        if (stats.TryGetValue("inactive_file", out var v2) && v2 < usage)
        {
            return (long)(usage - v2);
        }

        return (long)usage;
    }

    /// <summary>
    /// The cgroup version the sample was read from, by what only v1 reports: hierarchical memory
    /// totals (total_*) and per-CPU usage. Both are needed: a v1 host whose memory controller is
    /// off (cgroup_disable=memory) returns no memory statistics at all.
    /// </summary>
    public static string CgroupVersion(ContainerStatsResponse sample) =>
        sample.MemoryStats?.Stats?.ContainsKey("total_inactive_file") == true || sample.CPUStats?.CPUUsage?.PercpuUsage is { Count: > 0 } ? "v1" : "v2";

    public static FrostServiceResources Resources(ContainerStatsResponse previous, ContainerStatsResponse current)
    {
        var used = MemoryUsedBytes(current.MemoryStats);
        var limit = (long)Math.Min(current.MemoryStats?.Limit ?? 0, long.MaxValue);
        return new FrostServiceResources
        {
            CpuPercent = Math.Round(CpuPercent(previous, current), 2),
            OnlineCpus = OnlineCpus(current),
            MemoryBytes = used,
            MemoryLimitBytes = limit,
            MemoryPercent = limit > 0 ? Math.Round(used * 100.0 / limit, 2) : 0,
            CgroupVersion = CgroupVersion(current),
            SampleInterval = current.Read - previous.Read,
        };
    }
}
