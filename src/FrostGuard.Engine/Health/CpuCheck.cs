namespace FrostGuard.Engine.Health;

/// <summary>
/// CPU busy on the host (/proc/stat) and per container (docker CLI formula, divided by the online
/// CPUs so 100% is the whole machine), over the interval between two stats samples. Sustained
/// lines are judged from the samples of earlier runs kept in the state folder. The host figure
/// leaves out the CPU this process used meanwhile (a health run must not report its own load).
/// </summary>
public sealed class CpuCheck : IHealthCheck
{
    public const string CheckName = "Cpu";

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var before = HostStats.CpuTimes(await File.ReadAllTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false));
        var ownBefore = HostStats.ProcessJiffies(await File.ReadAllTextAsync("/proc/self/stat", cancellationToken).ConfigureAwait(false));
        var services = await context.ServicesAsync(cancellationToken).ConfigureAwait(false);
        var resources = await context.ResourcesAsync(cancellationToken).ConfigureAwait(false);
        var after = HostStats.CpuTimes(await File.ReadAllTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false));
        var ownAfter = HostStats.ProcessJiffies(await File.ReadAllTextAsync("/proc/self/stat", cancellationToken).ConfigureAwait(false));

        var history = new SampleHistory(context.StateFolder, "cpu-samples.json", context.Clock);
        var now = context.Clock.GetUtcNow();
        var observed = new List<(string Target, double Value, string What)>
        {
            ("host", HostStats.CpuBusyPercent(before, after, ownAfter - ownBefore), "host CPU busy (FrostGuard's own process left out)"),
        };
        var results = new List<FrostHealthResult>();
        foreach (var service in services)
        {
            if (resources.TryGetValue(service.ContainerId, out var r))
            {
                observed.Add((service.ToString(), r.CpuPercent / Math.Max(1, r.OnlineCpus), $"{r.CpuPercent:0.#}% of one CPU, of {r.OnlineCpus} CPUs:"));
            }
            else
            {
                results.Add(context.Result(CheckName, service.ToString(), HealthStatus.Unknown, $"{service.Container} is {service.State}: no CPU use to judge.",
                    context.Thresholds.Describe(MetricKeys.Cpu), duration: context.Clock.GetElapsedTime(started)));
            }
        }

        foreach (var (target, value, what) in observed)
        {
            results.Insert(results.Count(r => r.Status != HealthStatus.Unknown), context.Judge(CheckName, target, MetricKeys.Cpu, value, what, started,
                line => history.Held(target, line, now)));
        }

        history.Record(observed.Select(o => (o.Target, o.Value)), now);
        return results;
    }
}
