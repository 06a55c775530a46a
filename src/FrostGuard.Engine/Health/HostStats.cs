using System.Globalization;

namespace FrostGuard.Engine.Health;

/// <summary>The host's memory and CPU counters from /proc, parsed by pure functions.</summary>
public static class HostStats
{
    /// <summary>(MemTotal - MemAvailable) / MemTotal × 100, from /proc/meminfo.</summary>
    public static double MemoryUsedPercent(string meminfo)
    {
        var values = meminfo.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
        var total = values["MemTotal"];
        var available = values["MemAvailable"];
        return (total - available) * 100.0 / total;
    }

    /// <summary>The aggregate "cpu" line of /proc/stat: (busy, total) jiffies; idle and iowait are not busy.</summary>
    public static (ulong Busy, ulong Total) CpuTimes(string stat)
    {
        var line = stat.Split('\n').First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => ulong.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
        var total = fields.Take(8).Aggregate(0UL, (a, b) => a + b);
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        return (total - idle, total);
    }

    /// <summary>
    /// Busy share of all CPUs between two readings, less <paramref name="ownJiffies"/> (the CPU the
    /// measuring process itself used meanwhile, which would otherwise be counted as load).
    /// </summary>
    public static double CpuBusyPercent((ulong Busy, ulong Total) before, (ulong Busy, ulong Total) after, double ownJiffies = 0)
    {
        var total = (double)after.Total - before.Total;
        return total <= 0 ? 0 : Math.Max(0, (double)after.Busy - before.Busy - ownJiffies) * 100.0 / total;
    }

    /// <summary>utime + stime of a process from its /proc/[pid]/stat line, in clock ticks (the unit of /proc/stat).</summary>
    public static ulong ProcessJiffies(string processStat)
    {
        // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
        var fields = processStat[(processStat.LastIndexOf(')') + 2)..].Split(' ');
        return ulong.Parse(fields[11], CultureInfo.InvariantCulture) + ulong.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
