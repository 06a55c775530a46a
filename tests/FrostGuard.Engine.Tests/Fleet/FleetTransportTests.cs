namespace FrostGuard.Engine.Tests.Fleet;

public sealed class FleetTransportTests
{
    [Fact]
    public void A_service_comes_back_as_the_same_type_with_nested_values_enums_and_the_host()
    {
        var service = new FrostService
        {
            Project = "p", Service = "backend", ComposeService = "backend-blue", Slot = "blue", Instance = 1,
            Container = "p-backend-blue-1", ContainerId = "abc", State = FrostContainerState.running, Health = FrostContainerHealth.healthy,
            Uptime = TimeSpan.FromMinutes(3), StartedAt = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero), Image = "img", ImageId = "sha",
            MemoryLimit = 512, CpuLimit = 0.5,
        };

        var back = Assert.IsType<FrostService>(FleetTransport.Unpack(FleetTransport.Pack(service), "app1"));
        Assert.Equal("app1", back.Host);
        Assert.Equal(("backend", "backend-blue", "blue"), (back.Service, back.ComposeService, back.Slot));
        Assert.Equal(FrostContainerState.running, back.State);
        Assert.Equal(TimeSpan.FromMinutes(3), back.Uptime);
        Assert.Equal(service.StartedAt, back.StartedAt);
        Assert.Equal(0.5, back.CpuLimit);
    }

    [Fact]
    public void A_backup_keeps_its_row_counts_and_a_health_result_its_status()
    {
        var backup = new FrostBackup
        {
            Id = "b1", Database = "frostguard", Sha256 = "00", Format = FrostBackupFormat.Custom, ServerVersion = "15", PgDumpVersion = "15",
            RowCounts = new Dictionary<string, long> { ["public.readings"] = 42 }, Path = "/b/b1.dump", ManifestPath = "/b/b1.json",
        };
        var back = Assert.IsType<FrostBackup>(FleetTransport.Unpack(FleetTransport.Pack(backup), "db"));
        Assert.Equal(42, back.RowCounts["public.readings"]);
        Assert.Equal("db", back.Host);

        var result = new FrostHealthResult { Check = "Disk", Target = "/", Status = HealthStatus.Warning, Threshold = "> 80%", Message = "m", Observed = 81.5 };
        var health = Assert.IsType<FrostHealthResult>(FleetTransport.Unpack(FleetTransport.Pack(result), "app2"));
        Assert.Equal((HealthStatus.Warning, 81.5, "app2"), (health.Status, health.Observed, health.Host));
    }

    [Fact]
    public void A_type_that_is_not_FrostGuards_is_refused_not_created()
    {
        var e = Assert.Throws<System.Text.Json.JsonException>(() => FleetTransport.Unpack("""{"type":"System.IO.FileInfo","value":{}}""", "app1"));
        Assert.Contains("not a FrostGuard type", e.Message);
    }
}
