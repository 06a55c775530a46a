using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Deployments.Switching;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Deployments.Switching;

public sealed class UpstreamSwitchTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ProxySection _proxy;
    private readonly FakeProxy _nginx;
    private readonly UpstreamSwitch _switch;

    public UpstreamSwitchTests()
    {
        _proxy = new ProxySection { UpstreamFolder = _folder.Path, InternalUrl = "http://127.0.0.1:1" };
        _nginx = new FakeProxy(_proxy.UpstreamPath);
        _switch = new UpstreamSwitch(_proxy, _nginx, TimeSpan.FromMilliseconds(300));
        File.WriteAllText(_proxy.UpstreamPath, UpstreamFile.Render(_proxy.UpstreamName, new UpstreamTarget("blue", ["127.0.0.1:28081"])));
        _nginx.Serving = "blue";
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_switch_writes_tests_reloads_and_is_verified_by_what_the_proxy_serves()
    {
        await _switch.SwitchAsync(new UpstreamTarget("green", ["127.0.0.1:28082"]), NullReporter.Instance, CancellationToken.None);

        Assert.Equal(["test", "reload"], _nginx.Calls);
        Assert.Equal("green", _switch.Written()!.Name);
        Assert.Equal("green", (await _switch.ServedAsync(CancellationToken.None))!.Target);
    }

    [Fact]
    public async Task An_include_the_proxy_refuses_is_put_back_and_nothing_reloads()
    {
        var before = File.ReadAllText(_proxy.UpstreamPath);
        _nginx.TestPasses = false;

        var error = await Assert.ThrowsAsync<FrostException>(() => _switch.SwitchAsync(new UpstreamTarget("green", ["127.0.0.1:28082"]), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.ProxyConfigRejected, error.ErrorId);
        Assert.Contains("nothing switched", error.Message);
        Assert.Contains("invalid port", error.Message);
        Assert.Equal(0, _nginx.Reloads);
        Assert.Equal(before, File.ReadAllText(_proxy.UpstreamPath));
        Assert.Equal("blue", _nginx.Serving);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));
    }

    [Fact]
    public async Task A_reload_that_does_not_take_is_not_counted_as_a_switch()
    {
        _nginx.ReloadTakes = false;

        var error = await Assert.ThrowsAsync<FrostException>(() => _switch.SwitchAsync(new UpstreamTarget("green", ["127.0.0.1:28082"]), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.ProxySwitchNotVerified, error.ErrorId);
        Assert.Contains("blue", error.Message);
    }

    [Fact]
    public void A_missing_include_names_no_target()
    {
        File.Delete(_proxy.UpstreamPath);

        Assert.Null(_switch.Written());
    }
}
