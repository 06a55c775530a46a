using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Deployments.Switching;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Deployments.Switching;

/// <summary>Two slots, an .env and a proxy in memory and a temp folder: what each call did is in <see cref="Calls"/>.</summary>
internal class FakeSlots : ISlotWork
{
    public static readonly SlotSection Blue = new() { Name = "blue", Service = "backend-blue", Port = 28081 };
    public static readonly SlotSection Green = new() { Name = "green", Service = "backend-green", Port = 28082 };

    public FakeSlots(string folder, string serving = "blue")
    {
        Directory.CreateDirectory(folder);
        var proxy = new ProxySection { UpstreamFolder = folder, InternalUrl = "http://127.0.0.1:1" };
        Proxy = new FakeProxy(proxy.UpstreamPath);
        Switch = new UpstreamSwitch(proxy, Proxy, TimeSpan.FromMilliseconds(200));
        File.WriteAllText(proxy.UpstreamPath, UpstreamFile.Render(proxy.UpstreamName, SlotDeployer.Target(serving == "blue" ? Blue : Green)));
        Proxy.Serving = serving;
        ServingName = serving;
        Running[serving] = true;
        Healthy[serving] = true;
        Exists[serving] = true;
    }

    public FakeProxy Proxy { get; }
    public string? ServingName { get; set; }
    public Dictionary<string, string> Tags { get; } = new() { ["blue"] = "current", ["green"] = "current" };
    public string ReleaseTag { get; set; } = "current";
    public Dictionary<string, bool> Exists { get; } = new() { ["blue"] = false, ["green"] = false };
    public Dictionary<string, bool> Running { get; } = new() { ["blue"] = false, ["green"] = false };
    public Dictionary<string, bool> Healthy { get; } = new() { ["blue"] = false, ["green"] = false };
    /// <summary>What a slot's release does when started: healthy unless its tag is here.</summary>
    public HashSet<string> BrokenTags { get; } = ["broken"];
    public Exception? StartFailure { get; set; }
    public int ConnectionsLeft { get; set; }
    public List<string> Calls { get; } = [];

    public IReadOnlyList<SlotSection> Slots => [Blue, Green];
    public string ReleaseTagKey => "BACKEND_TAG";
    public UpstreamSwitch Switch { get; }

    public SlotSection? Serving() => Slots.FirstOrDefault(s => s.Name == ServingName);

    public string? TagOf(SlotSection slot) => Tags[slot.Name];

    public void SetTag(SlotSection slot, string tag)
    {
        Calls.Add($"tag {slot.Name}={tag}");
        Tags[slot.Name] = tag;
    }

    public void SetServing(SlotSection slot, string tag)
    {
        Calls.Add($"serving {slot.Name} {tag}");
        ServingName = slot.Name;
        ReleaseTag = tag;
    }

    public Task StartAsync(SlotSection slot, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        Calls.Add($"start {slot.Name}");
        if (StartFailure is not null)
        {
            throw StartFailure;
        }

        Exists[slot.Name] = Running[slot.Name] = true;
        Healthy[slot.Name] = !BrokenTags.Contains(Tags[slot.Name]);
        return Task.CompletedTask;
    }

    public Task WaitHealthyAsync(SlotSection slot, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        Calls.Add($"wait {slot.Name}");
        return Healthy[slot.Name]
            ? Task.CompletedTask
            : throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed, $"slot {slot.Name} is unhealthy", slot.Service, "read its log");
    }

    public Task<SlotCondition> ConditionAsync(SlotSection slot, CancellationToken cancellationToken) =>
        Task.FromResult(new SlotCondition(Exists[slot.Name], Running[slot.Name], Running[slot.Name] && Healthy[slot.Name], $"slot {slot.Name} is {(Running[slot.Name] ? "running" : "stopped")}/{(Healthy[slot.Name] ? "healthy" : "unhealthy")}"));

    public Task<int> DrainAsync(SlotSection slot, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Calls.Add($"drain {slot.Name}");
        return Task.FromResult(ConnectionsLeft);
    }

    public Task StopAsync(SlotSection slot, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        Calls.Add($"stop {slot.Name}");
        Running[slot.Name] = false;
        return Task.CompletedTask;
    }
}
