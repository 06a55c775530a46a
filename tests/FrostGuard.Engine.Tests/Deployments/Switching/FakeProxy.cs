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
            Serving = UpstreamFile.Parse(File.ReadAllText(_includePath))?.Name;
        }

        return Task.CompletedTask;
    }

    public Task<ProxyAnswer?> AskAsync(CancellationToken cancellationToken) =>
        Task.FromResult<ProxyAnswer?>(Serving is null ? null : new ProxyAnswer(200, Serving, "127.0.0.1:1"));
}
