using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class HostStatsTests
{
    [Fact]
    public void Memory_in_use_is_total_minus_available()
    {
        const string meminfo = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\nBuffers:  1 kB\n";
        Assert.Equal(75.0, HostStats.MemoryUsedPercent(meminfo), 6);
    }

    [Fact]
    public void Cpu_busy_leaves_out_idle_iowait_and_the_measuring_process()
    {
        var before = HostStats.CpuTimes("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n");
        var after = HostStats.CpuTimes("cpu  200 0 200 1400 200 0 0 0 0 0\n");

        // 1000 jiffies passed, 200 busy; 50 of them were the measuring process.
        Assert.Equal(20.0, HostStats.CpuBusyPercent(before, after), 6);
        Assert.Equal(15.0, HostStats.CpuBusyPercent(before, after, 50), 6);
    }

    [Fact]
    public void Process_jiffies_survive_a_command_name_with_spaces_and_parentheses()
    {
        const string stat = "4242 (dotnet (pwsh) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 321 123 0 0 20 0 30 0 100 0 0";
        Assert.Equal(444UL, HostStats.ProcessJiffies(stat));
    }
}
