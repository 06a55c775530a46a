using Docker.DotNet.Models;

namespace FrostGuard.Engine.Health;

/// <summary>
/// The CPU counters of one health run, kept in the state folder so the next run within a few
/// minutes needs one stats sample instead of two: its CPU % is then the average since this run.
/// </summary>
public sealed record KeptCpuSample(DateTimeOffset Time, ulong HostBusy, ulong HostTotal, Dictionary<string, KeptCpuSample.Counters> Containers,
    int Pid = 0, ulong OwnJiffies = 0)
{
    public sealed record Counters(DateTime Read, ulong TotalUsage, ulong SystemUsage, uint OnlineCpus);

    public static KeptCpuSample From(DateTimeOffset time, (ulong Busy, ulong Total) host, IReadOnlyDictionary<string, ContainerStatsResponse> samples, ulong ownJiffies) =>
        new(time, host.Busy, host.Total, samples.ToDictionary(
            p => p.Key,
            p => new Counters(p.Value.Read, p.Value.CPUStats?.CPUUsage?.TotalUsage ?? 0, p.Value.CPUStats?.SystemUsage ?? 0, p.Value.CPUStats?.OnlineCPUs ?? 0),
            StringComparer.Ordinal), Environment.ProcessId, ownJiffies);

    /// <summary>
    /// CPU this process used since the kept sample: the difference when the same process kept it,
    /// else its whole lifetime (it started after the sample, or close enough).
    /// </summary>
    public ulong OwnJiffiesSince(ulong ownNow) =>
        Pid == Environment.ProcessId && ownNow >= OwnJiffies ? ownNow - OwnJiffies : ownNow;

    /// <summary>Usable for every container sampled now: same containers, counters moved forward (no restart since).</summary>
    public bool CoversAll(IReadOnlyDictionary<string, ContainerStatsResponse> now) =>
        now.All(p => Containers.TryGetValue(p.Key, out var kept)
                     && (p.Value.CPUStats?.CPUUsage?.TotalUsage ?? 0) >= kept.TotalUsage
                     && (p.Value.CPUStats?.SystemUsage ?? 0) > kept.SystemUsage);

    /// <summary>The kept counters in the shape <see cref="Services.ContainerStatsMath"/> takes.</summary>
    public ContainerStatsResponse AsResponse(string containerId)
    {
        var kept = Containers[containerId];
        return new ContainerStatsResponse
        {
            Read = kept.Read,
            CPUStats = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = kept.TotalUsage }, SystemUsage = kept.SystemUsage, OnlineCPUs = kept.OnlineCpus },
        };
    }
}
