using System.Globalization;
using Docker.DotNet.Models;

namespace FrostGuard.Engine.Health;

/// <summary>
/// A container's CPU and memory counters read now, straight from its cgroup on this host, in the
/// shape and units of an Engine API stats sample (what the daemon itself reads: cpuacct.usage or
/// cpu.stat usage_usec, memory usage, memory.stat, the limit capped at the host's memory, and the
/// system CPU time of /proc/stat's first seven fields in nanoseconds). The daemon's stats
/// collector publishes once a second and wakes for the first container asked about only, so a
/// one-shot sample of several containers waits up to a second; these files answer in
/// milliseconds. Null when the files are not where Docker's cgroupfs or systemd driver puts them
/// (cgroup v1 or v2), e.g. FrostGuard running in a container or against a remote daemon: the
/// caller then asks the Engine API.
/// </summary>
public static class CgroupCounters
{
    public const string DefaultRoot = "/sys/fs/cgroup";

    /// <summary>USER_HZ: the unit of /proc/stat on Linux, as the daemon assumes.</summary>
    private const double NanosecondsPerTick = 1e9 / 100;

    public static ContainerStatsResponse? Read(string containerId, string procStat, string meminfo, DateTime readAt, string root = DefaultRoot)
    {
        var (system, online) = SystemCpu(procStat);
        foreach (var relative in new[] { $"docker/{containerId}", $"system.slice/docker-{containerId}.scope" })
        {
            // cgroup v1: one hierarchy per controller (cpu and cpuacct are often joined).
            var cpuacct = new[] { "cpuacct", "cpu,cpuacct", "cpuacct,cpu" }.Select(c => Path.Combine(root, c, relative)).FirstOrDefault(Directory.Exists);
            var memory = Path.Combine(root, "memory", relative);
            if (cpuacct is not null && Directory.Exists(memory))
            {
                return Sample(readAt, ulong.Parse(File.ReadAllText(Path.Combine(cpuacct, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture),
                    system, online, ulong.Parse(File.ReadAllText(Path.Combine(memory, "memory.usage_in_bytes")).Trim(), CultureInfo.InvariantCulture),
                    Limit(File.ReadAllText(Path.Combine(memory, "memory.limit_in_bytes"))), MemoryStat(File.ReadAllText(Path.Combine(memory, "memory.stat"))), meminfo);
            }

            // cgroup v2: one unified hierarchy.
            var unified = Path.Combine(root, relative);
            if (File.Exists(Path.Combine(unified, "cpu.stat")) && File.Exists(Path.Combine(unified, "memory.current")))
            {
                var cpu = MemoryStat(File.ReadAllText(Path.Combine(unified, "cpu.stat")));
                return Sample(readAt, cpu.GetValueOrDefault("usage_usec") * 1000, system, online,
                    ulong.Parse(File.ReadAllText(Path.Combine(unified, "memory.current")).Trim(), CultureInfo.InvariantCulture),
                    Limit(File.ReadAllText(Path.Combine(unified, "memory.max"))), MemoryStat(File.ReadAllText(Path.Combine(unified, "memory.stat"))), meminfo);
            }
        }

        return null;
    }

    /// <summary>The daemon's system CPU usage (user..softirq of the "cpu" line, in ns) and the number of online CPUs ("cpuN" lines).</summary>
    public static (ulong SystemUsage, uint OnlineCpus) SystemCpu(string procStat)
    {
        var lines = procStat.Split('\n');
        var fields = lines.First(l => l.StartsWith("cpu ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(7)
            .Select(f => ulong.Parse(f, CultureInfo.InvariantCulture));
        var ticks = fields.Aggregate(0UL, (a, b) => a + b);
        var online = (uint)lines.Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsDigit(l[3]));
        return ((ulong)(ticks * NanosecondsPerTick), Math.Max(1, online));
    }

    private static ContainerStatsResponse Sample(DateTime readAt, ulong cpuNanoseconds, ulong system, uint online, ulong usage, ulong? limit,
        IDictionary<string, ulong> stats, string meminfo)
    {
        var hostBytes = (ulong)(HostMemoryKib(meminfo) * 1024);
        return new ContainerStatsResponse
        {
            Read = readAt,
            CPUStats = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = cpuNanoseconds }, SystemUsage = system, OnlineCPUs = online },
            MemoryStats = new MemoryStats { Usage = usage, Limit = limit is { } l && l < hostBytes ? l : hostBytes, Stats = stats },
        };
    }

    private static ulong? Limit(string text)
    {
        var value = text.Trim();
        return value == "max" ? null : ulong.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>"key value" lines (memory.stat, cpu.stat).</summary>
    public static Dictionary<string, ulong> MemoryStat(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2))
            .Where(p => p.Length == 2 && ulong.TryParse(p[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .ToDictionary(p => p[0], p => ulong.Parse(p[1].Trim(), CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private static long HostMemoryKib(string meminfo) =>
        long.Parse(meminfo.Split('\n').First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))["MemTotal:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}
