using Docker.DotNet.Models;
using FrostGuard.Engine.Security;

namespace FrostGuard.Engine.Tests.Security;

public sealed class ContainerPrivilegeTests
{
    private static ContainerInspectResponse Container(string user, bool privileged = false, IList<string>? caps = null, string? mount = null) => new()
    {
        Config = new ContainerConfig { User = user },
        HostConfig = new HostConfig { Privileged = privileged, CapAdd = caps ?? [] },
        Mounts = mount is null ? [] : [new MountPoint { Type = "bind", Source = mount, Destination = mount }],
    };

    [Fact]
    public void ANumericNonRootUserWithNothingAddedIsOk() =>
        Assert.Equal(HealthStatus.Ok, SecurityAuditor.JudgeContainer("backend", "p_backend_1", Container("10001:10001"), []).Status);

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("root")]
    [InlineData("0:0")]
    public void RootIsAWarningUnlessAllowed(string user)
    {
        var finding = SecurityAuditor.JudgeContainer("proxy", "p_proxy_1", Container(user), []);
        Assert.Equal(HealthStatus.Warning, finding.Status);
        Assert.Contains("runs as root", finding.Message);
        Assert.Contains("-AllowRoot proxy", finding.Hint);
        Assert.Equal(HealthStatus.Ok, SecurityAuditor.JudgeContainer("proxy", "p_proxy_1", Container(user), ["proxy"]).Status);
    }

    [Fact]
    public void PrivilegedOrTheDockerSocketIsCriticalWhateverTheUser()
    {
        Assert.Equal(HealthStatus.Critical, SecurityAuditor.JudgeContainer("w", "c", Container("1000", privileged: true), []).Status);
        var socket = SecurityAuditor.JudgeContainer("w", "c", Container("1000", mount: "/var/run/docker.sock"), ["w"]);
        Assert.Equal(HealthStatus.Critical, socket.Status);
        Assert.Contains("Docker socket", socket.Message);
    }

    [Fact]
    public void AddedCapabilitiesAreAWarning()
    {
        var finding = SecurityAuditor.JudgeContainer("w", "c", Container("1000", caps: ["NET_ADMIN"]), []);
        Assert.Equal(HealthStatus.Warning, finding.Status);
        Assert.Contains("NET_ADMIN", finding.Message);
    }
}
