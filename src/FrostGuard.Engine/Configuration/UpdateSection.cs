using System.Text.Json.Serialization;

namespace FrostGuard.Engine.Configuration;

/// <summary>
/// How Update-FrostDeployment changes the backend: "blueGreen" starts the new release in the
/// idle slot beside the serving one and switches the proxy only once it is healthy;
/// "stopThenStart" recreates the service in place (with downtime), and is what a deployment
/// without slots and a managed proxy gets.
/// </summary>
public sealed record UpdateSection
{
    public string Strategy { get; init; } = UpdateStrategies.StopThenStart;

    /// <summary>The service the slots serve, as FrostGuard's commands name it.</summary>
    public string Service { get; init; } = "backend";

    /// <summary>Exactly two slots when the strategy is blueGreen; each is a Compose service (and profile) of its own.</summary>
    public IReadOnlyList<SlotSection> Slots { get; init; } = [];

    public ProxySection? Proxy { get; init; }

    /// <summary>True when updates of <see cref="Service"/> switch between slots.</summary>
    [JsonIgnore]
    public bool BlueGreen => Strategy == UpdateStrategies.BlueGreen;

    /// <summary>True when the deployment runs <see cref="Service"/> in slots (whatever the strategy of updates).</summary>
    [JsonIgnore]
    public bool HasSlots => Slots.Count == 2;

    public SlotSection? SlotOfService(string composeService) => Slots.FirstOrDefault(s => s.Service == composeService);

    public SlotSection? SlotNamed(string name) => Slots.FirstOrDefault(s => s.Name == name);
}

public static class UpdateStrategies
{
    public const string BlueGreen = "blueGreen";
    public const string StopThenStart = "stopThenStart";
}

/// <summary>One slot: a name operators read (blue, green), its Compose service and the port it listens on.</summary>
public sealed record SlotSection
{
    public required string Name { get; init; }
    public required string Service { get; init; }
    public required int Port { get; init; }

    /// <summary>The address the proxy forwards to.</summary>
    [JsonIgnore]
    public string Address => $"127.0.0.1:{Port}";
}

/// <summary>The deployment's reverse proxy (nginx), which FrostGuard switches between slots.</summary>
public sealed record ProxySection
{
    /// <summary>The Compose service of the proxy.</summary>
    public string Service { get; init; } = "proxy";

    /// <summary>A host folder bind-mounted into the proxy, holding the upstream include FrostGuard writes (never a single-file bind mount: it would not see a rename).</summary>
    public required string UpstreamFolder { get; init; }

    /// <summary>The include's file name in <see cref="UpstreamFolder"/>.</summary>
    public string UpstreamFile { get; init; } = "backend.conf";

    /// <summary>The name of the nginx upstream block the include defines.</summary>
    public string UpstreamName { get; init; } = "frostguard_backend";

    /// <summary>A plain-HTTP address of the proxy on 127.0.0.1 that forwards to the serving slot: the switch is verified through it.</summary>
    public required string InternalUrl { get; init; }

    /// <summary>The path requested through <see cref="InternalUrl"/> to verify a switch.</summary>
    public string VerifyPath { get; init; } = "/health";

    /// <summary>The configuration test run inside the proxy's container before every reload.</summary>
    public IReadOnlyList<string> TestCommand { get; init; } = ["nginx", "-t"];

    /// <summary>How long the old slot may keep connections after the switch before it is stopped anyway.</summary>
    public int DrainTimeoutSeconds { get; init; } = 30;

    [JsonIgnore]
    public string UpstreamPath => Path.Combine(UpstreamFolder, UpstreamFile);
}
