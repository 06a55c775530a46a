using System.Text.Json;
using Docker.DotNet.Models;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Tests.Services;

/// <summary>
/// The docker CLI's CPU and memory arithmetic over Engine API stats samples. The cgroup v1 pair
/// was recorded from this machine's daemon (docker 20.10, cgroup v1), one collector tick apart;
/// the v2 pair has the shape a cgroup v2 daemon returns (no total_* keys, no per-CPU list), with
/// round numbers so the expected values can be checked by hand.
/// </summary>
public sealed class ContainerStatsMathTests
{
    private static ContainerStatsResponse Load(string name) =>
        JsonSerializer.Deserialize<ContainerStatsResponse>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Services", "StatsSamples", name)))!;

    [Fact]
    public void CgroupV1_cpu_percent_is_container_delta_over_system_delta_times_online_cpus()
    {
        var first = Load("cgroup-v1-first.json");
        var second = Load("cgroup-v1-second.json");

        // Recorded: Δcontainer 5,359,602 ns, Δsystem 1,980,000,000 ns, 2 online CPUs.
        var expected = 5_359_602.0 / 1_980_000_000.0 * 2 * 100;
        Assert.Equal(expected, ContainerStatsMath.CpuPercent(first, second), 6);
        Assert.Equal(2, ContainerStatsMath.OnlineCpus(second));
    }

    [Fact]
    public void CgroupV1_memory_is_usage_minus_total_inactive_file()
    {
        var second = Load("cgroup-v1-second.json");

        Assert.Equal("v1", ContainerStatsMath.CgroupVersion(second));
        Assert.Equal(28_078_080L - 864_256L, ContainerStatsMath.MemoryUsedBytes(second.MemoryStats));
    }

    [Fact]
    public void CgroupV2_cpu_and_memory_follow_the_same_formula_with_v2_keys()
    {
        var resources = ContainerStatsMath.Resources(Load("cgroup-v2-first.json"), Load("cgroup-v2-second.json"));

        // 0.6 s of container CPU over 4 s of system CPU (4 CPUs x 1 s) x 4 CPUs x 100 = 60 %.
        Assert.Equal(60.0, resources.CpuPercent, 6);
        Assert.Equal("v2", resources.CgroupVersion);
        // 100 MiB used, 20 MiB of it inactive file cache, of a 512 MiB limit.
        Assert.Equal(104_857_600L - 20_971_520L, resources.MemoryBytes);
        Assert.Equal(536_870_912L, resources.MemoryLimitBytes);
        Assert.Equal(15.62, resources.MemoryPercent, 2); // 80 MiB of 512 MiB = 15.625 %, rounded to even
        Assert.Equal(TimeSpan.FromSeconds(1), resources.SampleInterval);
    }

    [Fact]
    public void A_cgroup_v1_host_without_the_memory_controller_is_still_v1_by_its_per_cpu_usage()
    {
        // cgroup_disable=memory: the daemon has no memory statistics to return, but v1 still has
        // per-CPU usage, which v2 never reports.
        var second = Load("cgroup-v1-second.json");
        second.MemoryStats = new MemoryStats();

        Assert.Equal("v1", ContainerStatsMath.Resources(Load("cgroup-v1-first.json"), second).CgroupVersion);
    }

    [Fact]
    public void Cpu_percent_is_zero_when_the_counters_did_not_move_forward()
    {
        var sample = Load("cgroup-v1-second.json");

        Assert.Equal(0, ContainerStatsMath.CpuPercent(sample, sample));
        Assert.Equal(0, ContainerStatsMath.CpuPercent(sample, Load("cgroup-v1-first.json")));
    }

    [Fact]
    public void Memory_is_the_plain_usage_when_the_cache_figure_is_missing_or_larger()
    {
        Assert.Equal(1000L, ContainerStatsMath.MemoryUsedBytes(new MemoryStats { Usage = 1000, Stats = new Dictionary<string, ulong>() }));
        Assert.Equal(1000L, ContainerStatsMath.MemoryUsedBytes(new MemoryStats { Usage = 1000, Stats = new Dictionary<string, ulong> { ["inactive_file"] = 5000 } }));
    }
}
