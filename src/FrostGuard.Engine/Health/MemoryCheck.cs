namespace FrostGuard.Engine.Health;

/// <summary>Memory in use on the host (MemAvailable-based) and per container (against its limit, or the host's memory).</summary>
public sealed class MemoryCheck : IHealthCheck
{
    public const string CheckName = "Memory";

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var host = HostStats.MemoryUsedPercent(await File.ReadAllTextAsync("/proc/meminfo", cancellationToken).ConfigureAwait(false));
        var results = new List<FrostHealthResult> { context.Judge(CheckName, "host", MetricKeys.Memory, host, "host memory in use", started) };
        var services = await context.ServicesAsync(cancellationToken).ConfigureAwait(false);
        // Memory needs no delta: the counters now (cgroup files, else one Engine API sample) are enough.
        var samples = await context.CurrentSampleAsync(cancellationToken).ConfigureAwait(false);
        foreach (var service in services)
        {
            results.Add(samples.TryGetValue(service.ContainerId, out var sample) && sample.MemoryStats?.Limit is > 0 and var limit
                ? context.Judge(CheckName, HealthContext.TargetOf(service, services), MetricKeys.Memory, Services.ContainerStatsMath.MemoryUsedBytes(sample.MemoryStats) * 100.0 / limit,
                    $"{Services.ContainerStatsMath.MemoryUsedBytes(sample.MemoryStats) / 1048576.0:F1} MiB of {limit / 1048576.0:F0} MiB in use:", started)
                : context.Result(CheckName, HealthContext.TargetOf(service, services), HealthStatus.Unknown, $"{service.Container} is {service.State}: no memory use to judge.",
                    context.Thresholds.Describe(MetricKeys.Memory), duration: context.Clock.GetElapsedTime(started)));
        }

        return results;
    }
}
