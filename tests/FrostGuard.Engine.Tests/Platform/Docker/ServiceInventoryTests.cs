using Docker.DotNet.Models;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Docker;
using Microsoft.Extensions.Time.Testing;

namespace FrostGuard.Engine.Tests.Platform.Docker;

/// <summary>Maps Engine API inspect answers (as recorded from docker 20.10) to services.</summary>
public sealed class ServiceInventoryTests : IDisposable
{
    private readonly DockerGateway _gateway = new(new DockerSection(), "/etc/frostguard/frostguard.json");

    public void Dispose() => _gateway.Dispose();

    private static ContainerInspectResponse Container(State state, string service = "worker", string number = "2") => new()
    {
        ID = "f00dfeedbeefcafe0123456789",
        Name = "/shop_worker_2",
        Image = "sha256:abc",
        RestartCount = 3,
        State = state,
        Config = new ContainerConfig
        {
            Image = "shop/worker:1.4",
            Labels = new Dictionary<string, string>
            {
                [ComposeLabels.Project] = "shop",
                [ComposeLabels.Service] = service,
                [ComposeLabels.ContainerNumber] = number,
            },
        },
    };

    [Fact]
    public void RunningHealthyContainerHasUptimeAndInstance()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));
        var inventory = new ServiceInventory(_gateway, "shop", clock);

        var service = inventory.ToService(Container(new State
        {
            Status = "running", Running = true, StartedAt = "2026-11-26T11:30:00.250Z",
            Health = new global::Docker.DotNet.Models.Health { Status = "healthy" },
        }));

        Assert.Equal("worker", service.Service);
        Assert.Equal(2, service.Instance);
        Assert.Equal("shop_worker_2", service.Container);
        Assert.Equal(FrostContainerHealth.healthy, service.Health);
        Assert.Equal(TimeSpan.FromMinutes(30) - TimeSpan.FromMilliseconds(250), service.Uptime);
        Assert.Equal(3, service.RestartCount);
        Assert.Null(service.ExitCode);
        Assert.Equal("shop/worker:1.4", service.Image);
        Assert.Equal("worker#2", service.ToString());
    }

    [Fact]
    public void ExitedContainerHasExitCodeAndNoUptime()
    {
        var service = new ServiceInventory(_gateway, "shop").ToService(Container(new State
        {
            Status = "exited", Running = false, ExitCode = 137, OOMKilled = true, StartedAt = "2026-11-26T11:30:00Z",
        }));

        Assert.Equal(FrostContainerState.exited, service.State);
        Assert.Equal(FrostContainerHealth.none, service.Health);
        Assert.Null(service.Uptime);
        Assert.Equal(137, service.ExitCode);
        Assert.True(service.OomKilled);
    }

    [Theory]
    [InlineData("created")]
    [InlineData("running")]
    [InlineData("paused")]
    [InlineData("restarting")]
    [InlineData("removing")]
    [InlineData("exited")]
    [InlineData("dead")]
    public void EachDockerStateIsTheMemberOfItsOwnWord(string word) =>
        Assert.Equal(word, ServiceInventory.StateOf(word).ToString());

    [Theory]
    [InlineData("starting")]
    [InlineData("healthy")]
    [InlineData("unhealthy")]
    [InlineData("none")]
    public void EachDockerHealthIsTheMemberOfItsOwnWord(string word) =>
        Assert.Equal(word, ServiceInventory.HealthOf(word).ToString());

    [Theory]
    [InlineData(null)]
    [InlineData("Running")]
    [InlineData("1")]
    [InlineData("hibernating")]
    public void AStateDockerDoesNotDocumentIsUnknown(string? word) =>
        Assert.Equal(FrostContainerState.unknown, ServiceInventory.StateOf(word));

    [Theory]
    [InlineData("Healthy")]
    [InlineData("2")]
    [InlineData("degraded")]
    public void AHealthDockerDoesNotDocumentIsUnknown(string word) =>
        Assert.Equal(FrostContainerHealth.unknown, ServiceInventory.HealthOf(word));

    [Fact]
    public void NoHealthAtAllIsNone()
    {
        Assert.Equal(FrostContainerHealth.none, ServiceInventory.HealthOf(null));
        Assert.Equal(FrostContainerHealth.none, ServiceInventory.HealthOf(""));
    }

    [Fact]
    public void NeverStartedContainerHasNoStartTime()
    {
        Assert.Null(ServiceInventory.ParseDockerTime("0001-01-01T00:00:00Z"));
        Assert.Null(ServiceInventory.ParseDockerTime(null));
        Assert.NotNull(ServiceInventory.ParseDockerTime("2026-11-26T11:30:00.5Z"));
    }
}
