namespace FrostGuard.Engine.Health;

/// <summary>
/// CPU busy on the host (/proc/stat) and per container (docker CLI formula, divided by the online
/// CPUs so 100% is the whole machine): since the counters kept by the previous run when that was
/// at most 5 minutes ago (one reading of the counters now: the cgroup files, milliseconds; else one
/// Engine API sample), else over one second (the cgroup counters read twice), else over one
/// collector tick (two Engine API samples). Sustained
/// lines are judged from the samples of earlier runs kept in the state folder. The host figure
/// leaves out the CPU this process used meanwhile (a health run must not report its own load).
/// </summary>
public sealed class CpuCheck : IHealthCheck
{
    public const string CheckName = "Cpu";

    /// <summary>A kept sample younger than this is too close to judge by (the counters barely moved).</summary>
    private static readonly TimeSpan MinimumKeptAge = TimeSpan.FromSeconds(1);

    /// <summary>Without a kept sample: the interval between the two cgroup readings.</summary>
    private static readonly TimeSpan FreshInterval = TimeSpan.FromSeconds(1);

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var before = HostStats.CpuTimes(await File.ReadAllTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false));
        var ownBefore = HostStats.ProcessJiffies(await File.ReadAllTextAsync("/proc/self/stat", cancellationToken).ConfigureAwait(false));
        var services = await context.ServicesAsync(cancellationToken).ConfigureAwait(false);
        var keptFile = new StateFile<KeptCpuSample>(context.StateFolder, "cpu-counters.json");
        var kept = keptFile.Read();
        var now = context.Clock.GetUtcNow();
        IReadOnlyDictionary<string, FrostServiceResources>? resources = null;
        double hostBusy = 0;
        var basis = "";
        if (kept is not null && now - kept.Time <= ApiMetricsCheck.RecentEnough && now - kept.Time >= MinimumKeptAge)
        {
            // One sample: the counters now (cgroup files, else one Engine API sample) against the
            // previous run's, so CPU % is the average since then (host: whatever ran in between).
            var current = await context.CurrentSampleAsync(cancellationToken).ConfigureAwait(false);
            if (kept.CoversAll(current))
            {
                now = context.Clock.GetUtcNow();
                var hostNow = HostStats.CpuTimes(await File.ReadAllTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false));
                var ownNow = HostStats.ProcessJiffies(await File.ReadAllTextAsync("/proc/self/stat", cancellationToken).ConfigureAwait(false));
                resources = current.ToDictionary(p => p.Key, p => Services.ContainerStatsMath.Resources(kept.AsResponse(p.Key), p.Value), StringComparer.Ordinal);
                hostBusy = HostStats.CpuBusyPercent((kept.HostBusy, kept.HostTotal), hostNow, kept.OwnJiffiesSince(ownNow));
                keptFile.Write(KeptCpuSample.From(now, hostNow, current, ownNow));
                basis = $"average over the {(now - kept.Time).TotalSeconds:0} s since the previous run";
            }
        }

        if (resources is null && context.ReadCgroupsNow(services) is { } atStart)
        {
            // The cgroup counters, and the host's, at both ends of one second.
            before = HostStats.CpuTimes(await File.ReadAllTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false));
            ownBefore = HostStats.ProcessJiffies(await File.ReadAllTextAsync("/proc/self/stat", cancellationToken).ConfigureAwait(false));
            await Task.Delay(FreshInterval, context.Clock, cancellationToken).ConfigureAwait(false);
            if (context.ReadCgroupsNow(services) is { } atEnd && atEnd.Keys.All(atStart.ContainsKey))
            {
                now = context.Clock.GetUtcNow();
                resources = atEnd.ToDictionary(p => p.Key, p => Services.ContainerStatsMath.Resources(atStart[p.Key], p.Value), StringComparer.Ordinal);
                var after = HostStats.CpuTimes(await File.ReadAllTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false));
                var ownAfter = HostStats.ProcessJiffies(await File.ReadAllTextAsync("/proc/self/stat", cancellationToken).ConfigureAwait(false));
                hostBusy = HostStats.CpuBusyPercent(before, after, ownAfter - ownBefore);
                keptFile.Write(KeptCpuSample.From(now, after, atEnd, ownAfter));
                basis = "over one second";
            }
        }

        if (resources is null)
        {
            // Two Engine API samples one stats collector tick apart; the host over the same interval.
            var first = await context.FirstSampleAsync(cancellationToken).ConfigureAwait(false);
            now = context.Clock.GetUtcNow();
            resources = await context.ResourcesAsync(cancellationToken).ConfigureAwait(false);
            var after = HostStats.CpuTimes(await File.ReadAllTextAsync("/proc/stat", cancellationToken).ConfigureAwait(false));
            var ownAfter = HostStats.ProcessJiffies(await File.ReadAllTextAsync("/proc/self/stat", cancellationToken).ConfigureAwait(false));
            hostBusy = HostStats.CpuBusyPercent(before, after, ownAfter - ownBefore);
            keptFile.Write(KeptCpuSample.From(now, after, first, ownAfter));
            basis = "over one stats collector tick";
        }

        var history = new SampleHistory(context.StateFolder, "cpu-samples.json", context.Clock);
        var observed = new List<(string Target, double Value, string What)>
        {
            ("host", hostBusy, $"host CPU busy ({basis}; FrostGuard's own process left out):"),
        };
        var results = new List<FrostHealthResult>();
        foreach (var service in services)
        {
            if (resources.TryGetValue(service.ContainerId, out var r))
            {
                observed.Add((HealthContext.TargetOf(service, services), r.CpuPercent / Math.Max(1, r.OnlineCpus), $"{r.CpuPercent:0.#}% of one CPU ({basis}), of {r.OnlineCpus} CPUs:"));
            }
            else
            {
                results.Add(context.Result(CheckName, HealthContext.TargetOf(service, services), HealthStatus.Unknown, $"{service.Container} is {service.State}: no CPU use to judge.",
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
