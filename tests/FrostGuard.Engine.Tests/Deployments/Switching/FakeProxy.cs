using FrostGuard.Engine.Deployments.Switching;

namespace FrostGuard.Engine.Tests.Deployments.Switching;

/// <summary>An nginx that tests, reloads and answers as told, and serves what the include named at its last reload.</summary>
internal sealed class FakeProxy : IProxyControl
{
    private readonly string _includePath;

    public FakeProxy(string includePath) => _includePath = includePath;

    public bool TestPasses { get; set; } = true;
    public bool ReloadTakes { get; set; } = true;
    public string? Serving { get; set; }
    /// <summary>The server behind what it serves ($upstream_addr).</summary>
    public string? Upstream { get; set; }
    /// <summary>The status the served target answers.</summary>
    public int Status { get; set; } = 200;
    public int Reloads { get; private set; }
    public int Tests { get; private set; }
    public List<string> Calls { get; } = [];

    public Task<ProxyTest> TestAsync(CancellationToken cancellationToken)
    {
        Tests++;
        Calls.Add("test");
        return Task.FromResult(new ProxyTest(TestPasses, TestPasses ? "ok" : "nginx: [emerg] invalid port in upstream"));
    }

    public Task ReloadAsync(CancellationToken cancellationToken)
    {
        Reloads++;
        Calls.Add("reload");
        if (ReloadTakes)
        {
            var target = UpstreamFile.Parse(File.ReadAllText(_includePath));
            Serving = target?.Name;
            Upstream = target?.Servers[0];
        }

        return Task.CompletedTask;
    }

    public Task<ProxyAnswer?> AskAsync(CancellationToken cancellationToken) =>
        Task.FromResult<ProxyAnswer?>(Serving is null ? null : new ProxyAnswer(Status, Serving, Upstream));
}
