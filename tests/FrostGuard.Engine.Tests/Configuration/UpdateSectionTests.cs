using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Tests.Configuration;

public sealed class UpdateSectionTests : IDisposable
{
    private const string Slots = """
        "update": {
          "strategy": "blueGreen",
          "slots": [ { "name": "blue", "service": "backend-blue", "port": 28081 }, { "name": "green", "service": "backend-green", "port": 28082 } ],
          "proxy": { "upstreamFolder": "upstream", "internalUrl": "http://127.0.0.1:28080" }
        }
        """;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private FrostConfig Load(string update) => ConfigLoader.Load(_folder.Write("frostguard.json", ConfigSamples.Minimal[..ConfigSamples.Minimal.LastIndexOf('}')] + "," + update + "}"));

    private string Invalid(string update) => Assert.Throws<FrostException>(() => Load(update)).Message;

    [Fact]
    public void Without_an_update_section_updates_stop_then_start_and_there_are_no_slots()
    {
        var config = ConfigLoader.Load(_folder.Write("frostguard.json", ConfigSamples.Minimal));

        Assert.Equal(UpdateStrategies.StopThenStart, config.Update.Strategy);
        Assert.False(config.Update.HasSlots);
        Assert.False(config.Update.BlueGreen);
    }

    [Fact]
    public void Blue_green_reads_the_slots_and_resolves_the_upstream_folder_beside_the_file()
    {
        var config = Load(Slots);

        Assert.True(config.Update.BlueGreen);
        Assert.Equal(["backend-blue", "backend-green"], config.Update.Slots.Select(s => s.Service));
        Assert.Equal(Path.Combine(_folder.Path, "upstream", "backend.conf"), config.Update.Proxy!.UpstreamPath);
        Assert.Equal("127.0.0.1:28082", config.Update.SlotNamed("green")!.Address);
        Assert.Equal(30, config.Update.Proxy.DrainTimeoutSeconds);
    }

    [Theory]
    [InlineData("\"strategy\": \"blueGreen\"", "\"strategy\": \"rolling\"", "update.strategy")]
    [InlineData("\"port\": 28082", "\"port\": 28081", "the two slots need different")]
    [InlineData("\"service\": \"backend-green\"", "\"service\": \"backend\"", "update.slots[1].service")]
    [InlineData("\"name\": \"green\"", "\"name\": \"Green!\"", "update.slots[1].name")]
    [InlineData("\"http://127.0.0.1:28080\"", "\"http://app.example:28080\"", "update.proxy.internalUrl")]
    [InlineData("\"http://127.0.0.1:28080\"", "\"https://127.0.0.1:28443\"", "update.proxy.internalUrl")]
    public void A_bad_update_section_names_the_key(string from, string to, string named)
    {
        Assert.Contains(named, Invalid(Slots.Replace(from, to, StringComparison.Ordinal)));
    }

    [Fact]
    public void Blue_green_without_a_proxy_or_with_one_slot_is_refused()
    {
        Assert.Contains("update.proxy", Invalid("""
            "update": { "strategy": "blueGreen", "slots": [ { "name": "blue", "service": "backend-blue", "port": 1 }, { "name": "green", "service": "backend-green", "port": 2 } ] }
            """));
        Assert.Contains("update.slots", Invalid("""
            "update": { "strategy": "blueGreen", "slots": [ { "name": "blue", "service": "backend-blue", "port": 1 } ], "proxy": { "upstreamFolder": "u", "internalUrl": "http://127.0.0.1:1" } }
            """));
    }
}
