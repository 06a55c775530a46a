using System.Globalization;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// Scaling advice from measured use, judged by the same thresholds as the health checks:
/// the host's CPU or memory over its line means a bigger server (vertical: more instances on the
/// same host share the same CPUs and memory); a container at its own limit means a higher limit;
/// a busy worker instance on a host with room means more worker instances (horizontal); database
/// connections over their line mean the database, not the app, must grow (more app instances
/// would only add connections). Every piece of advice carries the numbers behind it.
/// </summary>
public static class ScalingAdvisor
{
    /// <param name="results">Cpu, Memory, Database and ApiMetrics results of a health run.</param>
    /// <param name="services">The project's containers, with their limits.</param>
    public static IReadOnlyList<FrostScalingAdvice> Advise(IReadOnlyList<FrostHealthResult> results, IReadOnlyList<FrostService> services, ThresholdSet thresholds)
    {
        var advice = new List<FrostScalingAdvice>();
        var hostCpu = Find(results, CpuCheck.CheckName, "host");
        var hostMemory = Find(results, MemoryCheck.CheckName, "host");
        var connections = Find(results, DatabaseCheck.CheckName, "connections");
        var latency = results.FirstOrDefault(r => r.Check == ApiMetricsCheck.ResponseTimeName && r.Observed is not null);
        var hostBusy = Crossed(hostCpu) || Crossed(hostMemory);

        if (Crossed(hostCpu))
        {
            advice.Add(new FrostScalingAdvice
            {
                Recommendation = ScalingRecommendation.ScaleUp,
                Target = "host",
                Reason = $"The host's CPU is at {Value(hostCpu!)}, over its {hostCpu!.Status} line. Every service shares this host's CPUs, so more instances here would only compete for them: give the server more CPUs, or move the app servers to their own hosts behind a load balancer (docs/scaling.md).",
                Evidence = [Evidence(hostCpu)],
            });
        }

        if (Crossed(hostMemory))
        {
            advice.Add(new FrostScalingAdvice
            {
                Recommendation = ScalingRecommendation.ScaleUp,
                Target = "host",
                Reason = $"The host's memory is {Value(hostMemory!)} in use, over its {hostMemory!.Status} line. More instances would need more memory still: give the server more memory.",
                Evidence = [Evidence(hostMemory)],
            });
        }

        if (Crossed(connections))
        {
            advice.Add(new FrostScalingAdvice
            {
                Recommendation = ScalingRecommendation.ScaleDatabase,
                Target = "database",
                Reason = $"{Value(connections!)} of the database's connections are in use, over the {connections!.Status} line. Do not add app or worker instances (each opens more connections): raise max_connections on a bigger database server, or pool connections.",
                Evidence = [Evidence(connections)],
            });
        }

        foreach (var group in services.GroupBy(s => s.Service, StringComparer.Ordinal))
        {
            var instances = group.ToList();
            var cpuResults = instances.Select(i => Find(results, CpuCheck.CheckName, HealthContext.TargetOf(i, services))).Where(r => r?.Observed is not null).Select(r => r!).ToList();
            var memoryResults = instances.Select(i => Find(results, MemoryCheck.CheckName, HealthContext.TargetOf(i, services))).Where(r => r?.Observed is not null).Select(r => r!).ToList();

            // Memory relative to the container's own limit: the container is the bottleneck, the host may not be.
            var memoryAtLimit = instances.Where(i => i.MemoryLimit is not null).Zip(memoryResults).FirstOrDefault(p => Crossed(p.Second));
            if (memoryAtLimit.First is { MemoryLimit: { } limit })
            {
                advice.Add(new FrostScalingAdvice
                {
                    Recommendation = ScalingRecommendation.RaiseLimit,
                    Target = group.Key,
                    Reason = $"{memoryAtLimit.First.Container} uses {Value(memoryAtLimit.Second)} of its own memory limit ({limit / 1048576.0:0} MiB), over the {memoryAtLimit.Second.Status} line{(hostBusy ? "" : ", while the host has room")}: raise the limit (vertical, for this container).",
                    Evidence = [Evidence(memoryAtLimit.Second)],
                    Command = $"Set-FrostServiceLimit -Name {group.Key} -Memory {Math.Ceiling(limit * 1.5 / 1048576.0).ToString(CultureInfo.InvariantCulture)}MB",
                });
            }

            // CPU: results are % of the whole machine; as CPUs: observed × online CPUs / 100.
            var online = Math.Max(1, Environment.ProcessorCount);
            foreach (var (instance, cpu) in instances.Zip(cpuResults))
            {
                var cpusUsed = cpu.Observed!.Value * online / 100.0;
                if (instance.CpuLimit is { } cpuLimit && cpusUsed >= 0.8 * cpuLimit)
                {
                    advice.Add(new FrostScalingAdvice
                    {
                        Recommendation = ScalingRecommendation.RaiseLimit,
                        Target = group.Key,
                        Reason = $"{instance.Container} uses {cpusUsed:0.00} CPUs of its limit of {cpuLimit:0.##}: it is throttled. Raise its CPU limit.",
                        Evidence = [Evidence(cpu)],
                        Command = $"Set-FrostServiceLimit -Name {group.Key} -Cpus {Math.Min(online, cpuLimit * 1.5).ToString("0.#", CultureInfo.InvariantCulture)}",
                    });
                    break;
                }
            }

            // A worker instance busy on one CPU, on a host with CPUs to spare: more workers help.
            var cpuWarning = thresholds.For(MetricKeys.Cpu).Where(t => t.Level == HealthStatus.Warning).Select(t => t.Value).DefaultIfEmpty(70).First();
            var busyWorkers = cpuResults.Count(r => r.Observed!.Value * online >= cpuWarning);
            if (group.Key.Contains("worker", StringComparison.OrdinalIgnoreCase) && busyWorkers > 0 && !hostBusy && !Crossed(connections))
            {
                advice.Add(new FrostScalingAdvice
                {
                    Recommendation = ScalingRecommendation.ScaleOut,
                    Target = group.Key,
                    Reason = $"{busyWorkers} of {instances.Count} {group.Key} instance(s) keep one CPU over {cpuWarning:0}% busy while the host's CPU and memory are under their lines: add instances (horizontal); the host has room for them.",
                    Evidence = cpuResults.Select(Evidence).Append(hostCpu is null ? "host CPU: not measured" : Evidence(hostCpu)).ToList(),
                    Command = $"Set-FrostServiceScale -Name {group.Key} -Replicas {instances.Count + 1}",
                });
            }
        }

        if (latency is not null && Crossed(latency) && !hostBusy && !Crossed(connections))
        {
            advice.Add(new FrostScalingAdvice
            {
                Recommendation = ScalingRecommendation.ScaleOut,
                Target = "backend",
                Reason = $"The API's p95 response time is {Value(latency)}, over its {latency.Status} line, while the host's CPU, memory and the database's connections are under theirs: the single API instance is the limit. It listens on a port of the host's network, so more instances mean more app servers behind a load balancer (docs/scaling.md).",
                Evidence = [Evidence(latency)],
            });
        }

        if (advice.Count == 0)
        {
            var measured = new[] { hostCpu, hostMemory, connections, latency }.Where(r => r?.Observed is not null).Select(r => Evidence(r!)).ToList();
            advice.Add(new FrostScalingAdvice
            {
                Recommendation = ScalingRecommendation.None,
                Target = "deployment",
                Reason = measured.Count == 0
                    ? "Nothing could be measured (see the warnings), so there is nothing to advise on."
                    : "Every measured use is under its Warning line: no scaling is needed.",
                Evidence = measured,
            });
        }

        return advice;
    }

    private static FrostHealthResult? Find(IReadOnlyList<FrostHealthResult> results, string check, string target) =>
        results.FirstOrDefault(r => r.Check == check && r.Target == target);

    private static bool Crossed(FrostHealthResult? result) => result is { Status: HealthStatus.Warning or HealthStatus.Critical, Observed: not null };

    private static string Value(FrostHealthResult r) =>
        r.Unit == "%" ? $"{r.Observed!.Value.ToString("0.#", CultureInfo.InvariantCulture)}%" : $"{r.Observed!.Value.ToString("0.#", CultureInfo.InvariantCulture)} {r.Unit}";

    private static string Evidence(FrostHealthResult r) => $"{r.Check} {r.Target}: {(r.Observed is null ? "not measured" : Value(r))} ({r.Status}; {r.Threshold})";
}
