using FrostGuard.Engine.Health;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class CgroupCountersTests
{
    private const string Id = "7f601ddca824323d03c5e153b80df9482c7c51724716e67850c1c80ba45806ba";
    private const string ProcStat = "cpu  1000 10 500 8000 100 5 5 7 0 0\ncpu0 500 5 250 4000 50 2 3 3 0 0\ncpu1 500 5 250 4000 50 3 2 4 0 0\nintr 1\n";
    private const string Meminfo = "MemTotal:        8000000 kB\nMemAvailable:    6000000 kB\n";
    private static readonly DateTime At = new(2026, 11, 27, 3, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void System_usage_is_the_daemons_first_seven_cpu_fields_in_nanoseconds_and_online_cpus_are_the_cpuN_lines()
    {
        var (system, online) = CgroupCounters.SystemCpu(ProcStat);
        Assert.Equal((1000UL + 10 + 500 + 8000 + 100 + 5 + 5) * 10_000_000, system); // steal (7) left out, as dockerd does
        Assert.Equal(2u, online);
    }

    [Fact]
    public void Cgroup_v1_under_the_cgroupfs_driver_reads_like_an_engine_api_sample_with_the_limit_capped_at_the_host()
    {
        using var root = new TempFolder();
        root.Write($"cpuacct/docker/{Id}/cpuacct.usage", "592644380\n");
        root.Write($"memory/docker/{Id}/memory.usage_in_bytes", "52428800\n");
        root.Write($"memory/docker/{Id}/memory.limit_in_bytes", "9223372036854771712\n");
        root.Write($"memory/docker/{Id}/memory.stat", "cache 1000\ntotal_inactive_file 10485760\ntotal_rss 4000\n");
        var sample = CgroupCounters.Read(Id, ProcStat, Meminfo, At, root.Path)!;
        Assert.Equal(At, sample.Read);
        Assert.Equal(592644380UL, sample.CPUStats!.CPUUsage!.TotalUsage);
        Assert.Equal(2u, sample.CPUStats!.OnlineCPUs);
        Assert.Equal(8000000UL * 1024, sample.MemoryStats!.Limit);
        Assert.Equal(40L * 1048576, ContainerStatsMath.MemoryUsedBytes(sample.MemoryStats)); // 50 MiB less 10 MiB inactive file cache
        Assert.Equal("v1", ContainerStatsMath.CgroupVersion(sample));
    }

    [Fact]
    public void Cgroup_v2_under_the_systemd_driver_reads_usage_usec_and_memory_max()
    {
        using var root = new TempFolder();
        var scope = $"system.slice/docker-{Id}.scope";
        root.Write($"{scope}/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
        root.Write($"{scope}/memory.current", "2097152\n");
        root.Write($"{scope}/memory.max", "1048576000\n");
        root.Write($"{scope}/memory.stat", "anon 1000\ninactive_file 1048576\n");
        var sample = CgroupCounters.Read(Id, ProcStat, Meminfo, At, root.Path)!;
        Assert.Equal(1_500_000UL, sample.CPUStats!.CPUUsage!.TotalUsage);
        Assert.Equal(1048576000UL, sample.MemoryStats!.Limit);
        Assert.Equal(1048576L, ContainerStatsMath.MemoryUsedBytes(sample.MemoryStats));
        Assert.Equal("v2", ContainerStatsMath.CgroupVersion(sample));
    }

    /// <summary>
    /// One container's counters from a host laid out under Health/Samples/&lt;host&gt;: its /proc files
    /// and its /sys/fs/cgroup tree (the files Docker's cgroupfs or systemd driver leaves there).
    /// </summary>
    private static global::Docker.DotNet.Models.ContainerStatsResponse? ReadSampleHost(string host, string containerId)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Health", "Samples", host);
        return CgroupCounters.Read(containerId, File.ReadAllText(Path.Combine(root, "proc", "stat")), File.ReadAllText(Path.Combine(root, "proc", "meminfo")), At,
            Path.Combine(root, "sys", "fs", "cgroup"));
    }

    [Fact]
    public void A_cgroup_v1_host_recorded_here_reads_cpuacct_and_the_memory_controller()
    {
        // This machine: docker 20.10, cgroupfs driver, cgroup v1; one container's files read back to back.
        var sample = ReadSampleHost("cgroup-v1-cgroupfs", "60fe6dfbcab760fc934b67b246bd9a6672ac2b513d1184db849d81e2d5c04db9")!;

        Assert.Equal(44_092_246_659UL, sample.CPUStats!.CPUUsage!.TotalUsage);
        Assert.Equal((1903890UL + 204 + 459476 + 2755386 + 30537 + 0 + 13836) * 10_000_000, sample.CPUStats!.SystemUsage);
        Assert.Equal(2u, sample.CPUStats!.OnlineCPUs);
        Assert.Equal(24_683_792UL * 1024, sample.MemoryStats!.Limit); // no limit set (…771712): the host's MemTotal
        Assert.Equal(180_514_816L - 18_456_576L, ContainerStatsMath.MemoryUsedBytes(sample.MemoryStats));
        Assert.Equal("v1", ContainerStatsMath.CgroupVersion(sample));
    }

    [Fact]
    public void A_cgroup_v2_host_under_the_systemd_driver_reads_each_containers_scope_in_the_unified_tree()
    {
        // Debian 12's layout (docker.io, systemd driver, cgroup v2, kernel 6.1's file formats): the
        // backend limited to 512 MiB, postgres without a limit (memory.max "max").
        const string backend = "4f7aea4a08f7ed4a857933195954ba28fd34a473d03d7f6c26f4d9ce92643b7d";
        const string postgres = "e516f392982a199a9173fb1560a8a29edacb1bfb6efc65b34e5d64aaaa71b077";

        var limited = ReadSampleHost("cgroup-v2-systemd", backend)!;
        Assert.Equal(8_123_456_000UL, limited.CPUStats!.CPUUsage!.TotalUsage); // usage_usec in ns, as the daemon reports it
        Assert.Equal((4705UL + 150 + 1120 + 8902343 + 2310 + 0 + 88) * 10_000_000, limited.CPUStats!.SystemUsage);
        Assert.Equal(4u, limited.CPUStats!.OnlineCPUs);
        Assert.Equal(536_870_912UL, limited.MemoryStats!.Limit);
        Assert.Equal(94_322_688L - 12_582_912L, ContainerStatsMath.MemoryUsedBytes(limited.MemoryStats));
        Assert.Equal("v2", ContainerStatsMath.CgroupVersion(limited));

        var unlimited = ReadSampleHost("cgroup-v2-systemd", postgres)!;
        Assert.Equal(4_010_312UL * 1024, unlimited.MemoryStats!.Limit);
        Assert.Equal(45_563_904L - 20_971_520L, ContainerStatsMath.MemoryUsedBytes(unlimited.MemoryStats));
        Assert.Equal("v2", ContainerStatsMath.CgroupVersion(unlimited));
    }

    [Fact]
    public void A_container_without_a_cgroup_here_gives_null_so_the_engine_api_is_asked()
    {
        using var root = new TempFolder();
        Assert.Null(CgroupCounters.Read(Id, ProcStat, Meminfo, At, root.Path));
    }

    [Fact]
    public void Cpu_percent_since_a_kept_sample_uses_the_docker_formula_across_both_sources()
    {
        using var root = new TempFolder();
        root.Write($"cpuacct/docker/{Id}/cpuacct.usage", "2000000000\n");
        root.Write($"memory/docker/{Id}/memory.usage_in_bytes", "1\n");
        root.Write($"memory/docker/{Id}/memory.limit_in_bytes", "100\n");
        root.Write($"memory/docker/{Id}/memory.stat", "total_inactive_file 0\n");
        var now = CgroupCounters.Read(Id, ProcStat, Meminfo, At, root.Path)!;
        // Kept from an Engine API sample 10 s earlier: 1 s of container CPU less, 20 s of system CPU (2 CPUs) less.
        var kept = KeptCpuSample.From(At.AddSeconds(-10), (0, 0), new Dictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>
        {
            [Id] = new() { Read = At.AddSeconds(-10), CPUStats = new() { CPUUsage = new() { TotalUsage = 1_000_000_000 }, SystemUsage = now.CPUStats!.SystemUsage - 20_000_000_000, OnlineCPUs = 2 } },
        }, 0);
        Assert.True(kept.CoversAll(new Dictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse> { [Id] = now }));
        Assert.Equal(10.0, ContainerStatsMath.CpuPercent(kept.AsResponse(Id), now), 3); // 1 s of 20 s across 2 CPUs = 10% of one CPU
    }
}
