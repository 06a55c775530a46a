using FrostGuard.Engine.Fleet;

namespace FrostGuard.Engine.Tests.Fleet;

public sealed class SshOptionsTests
{
    [Fact]
    public void Sessions_check_host_keys_strictly_against_the_inventory_file_only_and_never_prompt()
    {
        var options = SshOptions.For("/fleet/known_hosts", TimeSpan.FromSeconds(7));
        Assert.Equal("yes", options["StrictHostKeyChecking"]);
        Assert.Equal("yes", options["BatchMode"]);
        Assert.Equal("/fleet/known_hosts", options["UserKnownHostsFile"]);
        Assert.Equal("/dev/null", options["GlobalKnownHostsFile"]);
        Assert.Equal("no", options["UpdateHostKeys"]);
        Assert.Equal("no", options["PasswordAuthentication"]);
        Assert.Equal("no", options["KbdInteractiveAuthentication"]);
        Assert.Equal("7", options["ConnectTimeout"]);
    }
}
