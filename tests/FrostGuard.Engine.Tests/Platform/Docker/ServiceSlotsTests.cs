using Docker.DotNet.Models;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Tests.Platform.Docker;

/// <summary>The backend in two slots: which Compose service is which slot, and which one every command naming backend means.</summary>
public sealed class ServiceSlotsTests : IDisposable
{
    private static readonly UpdateSection Update = new()
    {
        Strategy = UpdateStrategies.BlueGreen,
        Slots = [new SlotSection { Name = "blue", Service = "backend-blue", Port = 28081 }, new SlotSection { Name = "green", Service = "backend-green", Port = 28082 }],
        Proxy = new ProxySection { UpstreamFolder = "/u", InternalUrl = "http://127.0.0.1:28080" },
    };

    private readonly TempFolder _folder = new();
    private readonly DockerGateway _gateway = new(new DockerSection(), "/etc/frostguard/frostguard.json");

    public void Dispose()
    {
        _gateway.Dispose();
        _folder.Dispose();
    }

    private ServiceSlots Slots(string env) => new(Update, _folder.Write(".env", env));

    private static ContainerInspectResponse Container(string service, bool running) => new()
    {
        ID = service + "0123456789abcdef",
        Name = $"/shop_{service}_1",
        Image = "sha256:abc",
        State = new State { Status = running ? "running" : "exited", Running = running },
        Config = new ContainerConfig { Image = "shop/backend:1", Labels = new Dictionary<string, string> { [ComposeLabels.Project] = "shop", [ComposeLabels.Service] = service } },
    };

    [Theory]
    [InlineData("COMPOSE_PROFILES=backend-green\n", "green")]
    [InlineData("COMPOSE_PROFILES=debug, backend-blue\n", "blue")]
    [InlineData("COMPOSE_PROFILES=debug\n", null)]
    [InlineData("BACKEND_TAG=current\n", null)]
    public void The_serving_slot_is_the_one_COMPOSE_PROFILES_names(string env, string? serving)
    {
        Assert.Equal(serving, Slots(env).Serving()?.Name);
    }

    [Fact]
    public void Switching_the_profiles_replaces_the_slot_and_keeps_other_profiles()
    {
        var slots = Slots("");

        Assert.Equal("debug,backend-green", slots.ProfilesServing("debug,backend-blue", Update.Slots[1]));
        Assert.Equal("backend-blue", slots.ProfilesServing(null, Update.Slots[0]));
    }

    [Fact]
    public void Backend_means_the_serving_slot_for_compose_and_both_slots_for_limits()
    {
        var slots = Slots("COMPOSE_PROFILES=backend-green\n");

        Assert.Equal("backend-green", slots.ComposeServiceOf("backend"));
        Assert.Equal("worker", slots.ComposeServiceOf("worker"));
        Assert.Equal(["backend-blue", "backend-green"], slots.AllComposeServicesOf("backend"));
    }

    [Fact]
    public void The_inventory_names_a_slot_container_backend_with_its_slot_and_marks_the_idle_one()
    {
        var inventory = new ServiceInventory(_gateway, "shop", slots: Slots("COMPOSE_PROFILES=backend-green\n"));

        var serving = inventory.ToService(Container("backend-green", running: true));
        var idle = inventory.ToService(Container("backend-blue", running: false));
        var worker = inventory.ToService(Container("worker", running: true));

        Assert.Equal(("backend", "backend-green", "green", false), (serving.Service, serving.ComposeService, serving.Slot, serving.IsIdleSlot));
        Assert.Equal(("backend", "blue", true), (idle.Service, idle.Slot, idle.IsIdleSlot));
        Assert.Equal(("worker", "worker", null, false), (worker.Service, worker.ComposeService, worker.Slot, worker.IsIdleSlot));
    }
}
