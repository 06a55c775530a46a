using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.Deployments;

public sealed class ScalingAdvisorTests
{
    private static readonly ThresholdSet Thresholds = new(DefaultThresholds.All());

    private static FrostHealthResult Result(string check, string target, double observed, HealthStatus status, string unit = "%") => new()
    {
        Check = check,
        Target = target,
        Status = status,
        Observed = observed,
        Unit = unit,
        Threshold = "test line",
        Message = "test",
    };

    private static FrostService Container(string service, int instance = 1, long? memoryLimit = null, double? cpuLimit = null) => new()
    {
        Project = "demo",
        Service = service,
        Instance = instance,
        Container = $"demo_{service}_{instance}",
        ContainerId = $"{service}{instance}",
        State = FrostContainerState.running,
        Health = FrostContainerHealth.healthy,
        Image = service,
        ImageId = "sha256:x",
        MemoryLimit = memoryLimit,
        CpuLimit = cpuLimit,
    };

    private static readonly FrostService[] Services = [Container("backend"), Container("postgres"), Container("worker")];

    [Fact]
    public void Everything_under_its_lines_means_no_change_with_the_numbers_shown()
    {
        var advice = Assert.Single(ScalingAdvisor.Advise(
            [Result("Cpu", "host", 12, HealthStatus.Ok), Result("Memory", "host", 30, HealthStatus.Ok), Result("Database", "connections", 5, HealthStatus.Ok)], Services, Thresholds));
        Assert.Equal(ScalingRecommendation.None, advice.Recommendation);
        Assert.Contains(advice.Evidence, e => e.Contains("Cpu host: 12%", StringComparison.Ordinal));
    }

    [Fact]
    public void A_busy_host_CPU_means_scale_up_not_more_instances_on_it()
    {
        var advice = ScalingAdvisor.Advise(
            [Result("Cpu", "host", 93, HealthStatus.Critical), Result("Cpu", "worker", 49, HealthStatus.Ok), Result("Memory", "host", 30, HealthStatus.Ok)], Services, Thresholds);
        var up = Assert.Single(advice);
        Assert.Equal(ScalingRecommendation.ScaleUp, up.Recommendation);
        Assert.Equal("host", up.Target);
        Assert.Contains("compete", up.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_busy_worker_on_a_host_with_room_means_more_workers()
    {
        // 45% of a 2-CPU machine is 90% of one CPU: over the 70% line, while the host is at 50%.
        var cpus = Environment.ProcessorCount;
        var advice = Assert.Single(ScalingAdvisor.Advise(
            [Result("Cpu", "host", 50, HealthStatus.Ok), Result("Cpu", "worker", 90.0 / cpus, HealthStatus.Ok), Result("Memory", "host", 30, HealthStatus.Ok)], Services, Thresholds));
        Assert.Equal(ScalingRecommendation.ScaleOut, advice.Recommendation);
        Assert.Equal("Set-FrostServiceScale -Name worker -Replicas 2", advice.Command);
    }

    [Fact]
    public void Database_connections_over_the_line_mean_the_database_grows_not_the_workers()
    {
        var cpus = Environment.ProcessorCount;
        var advice = ScalingAdvisor.Advise(
            [Result("Database", "connections", 90, HealthStatus.Warning), Result("Cpu", "worker", 90.0 / cpus, HealthStatus.Ok), Result("Cpu", "host", 40, HealthStatus.Ok)], Services, Thresholds);
        Assert.Equal(ScalingRecommendation.ScaleDatabase, Assert.Single(advice).Recommendation);
    }

    [Fact]
    public void A_container_at_its_own_memory_limit_means_a_higher_limit()
    {
        var services = new[] { Container("backend", memoryLimit: 512L * 1024 * 1024), Container("worker") };
        var advice = Assert.Single(ScalingAdvisor.Advise(
            [Result("Memory", "host", 30, HealthStatus.Ok), Result("Memory", "backend", 97, HealthStatus.Critical)], services, Thresholds));
        Assert.Equal(ScalingRecommendation.RaiseLimit, advice.Recommendation);
        Assert.Equal("Set-FrostServiceLimit -Name backend -Memory 768MB", advice.Command);
    }

    [Fact]
    public void A_slow_API_on_a_quiet_host_means_more_app_servers()
    {
        var advice = Assert.Single(ScalingAdvisor.Advise(
            [Result("Cpu", "host", 20, HealthStatus.Ok), Result("ResponseTime", "http://x/metrics", 900, HealthStatus.Warning, "ms")], Services, Thresholds));
        Assert.Equal(ScalingRecommendation.ScaleOut, advice.Recommendation);
        Assert.Equal("backend", advice.Target);
        Assert.Contains("load balancer", advice.Reason, StringComparison.Ordinal);
    }
}
