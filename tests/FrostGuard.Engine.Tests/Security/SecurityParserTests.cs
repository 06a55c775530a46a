using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Security;

namespace FrostGuard.Engine.Tests.Security;

/// <summary>The recordings under tests/fixtures/security, parsed and judged.</summary>
public sealed class SecurityParserTests
{
    private static string Fixtures { get; } = FindFixtures();

    private static string FindFixtures()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "tests", "fixtures", "security");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/security above " + AppContext.BaseDirectory);
    }

    private static string Read(string set, string file) => File.ReadAllText(Path.Combine(Fixtures, set, file));

    private static SecurityAuditor Auditor(string set) =>
        new(new RecordedCommandRunner(Path.Combine(Fixtures, set)), new FrostConfig
        {
            Project = new ProjectSection { Name = "p", Directory = "/nonexistent" },
            Database = new DatabaseSection { Name = "d", User = "u", Password = new PasswordSource { EnvFileKey = "K" } },
        }, session: null);

    [Fact]
    public void UfwActiveWithDefaultDeny()
    {
        var status = UfwStatus.Parse(Read("hardened", "ufw-status-verbose.txt"));
        Assert.True(status.Active);
        Assert.Equal("deny", status.DefaultIncoming);
        Assert.Equal(6, status.Rules);
    }

    [Fact]
    public void UfwInactive()
    {
        var status = UfwStatus.Parse(Read("exposed", "ufw-status-verbose.txt"));
        Assert.False(status.Active);
        Assert.Equal(0, status.Rules);
    }

    [Fact]
    public void UfwRefusesOtherText() => Assert.Throws<FormatException>(() => UfwStatus.Parse("Listing..."));

    [Fact]
    public void NftInputChainWithPolicyDrop()
    {
        var chains = NftRuleset.InputChains(Read("hardened", "nft-list-ruleset.txt"));
        var input = Assert.Single(chains);
        Assert.Equal(("inet filter", "input", "drop", 9, true), (input.Table, input.Chain, input.Policy, input.Rules, input.DropsOrRejects));
    }

    [Fact]
    public void NftInputChainThatAcceptsEverything()
    {
        var input = Assert.Single(NftRuleset.InputChains(Read("exposed", "nft-list-ruleset.txt")));
        Assert.Equal(("ip filter", "INPUT", "accept", 1, false), (input.Table, input.Chain, input.Policy, input.Rules, input.DropsOrRejects));
        Assert.Empty(NftRuleset.InputChains(""));
    }

    [Fact]
    public void Fail2banJailsAndCounts()
    {
        Assert.Equal(["nginx-http-auth", "sshd"], Fail2banStatus.Jails(Read("hardened", "fail2ban-client-status.txt")));
        Assert.Equal((3, 212, 4), Fail2banStatus.Jail(Read("hardened", "fail2ban-client-status-sshd.txt")));
        Assert.Equal((0, 1, 0), Fail2banStatus.Jail(Read("hardened", "fail2ban-client-status-nginx-http-auth.txt")));
    }

    [Fact]
    public void AptUpgradableCountsSecurityUpdates()
    {
        var pending = AptUpgradable.Parse(Read("exposed", "apt-list-upgradable.txt"));
        Assert.Equal(5, pending.Count);
        Assert.Equal(["libssl3", "openssl", "libexpat1"], pending.Where(p => p.IsSecurity).Select(p => p.Package));
        Assert.Empty(AptUpgradable.Parse(Read("hardened", "apt-list-upgradable.txt")));
    }

    [Fact]
    public void SshdDropInWinsOverTheMainFileAndMatchBlocksAreLeftOut()
    {
        var config = SshdConfig.Load(Path.Combine(Fixtures, "hardened", "root"));
        Assert.Equal("no", config.Get("PasswordAuthentication")!.Value.Value);
        Assert.EndsWith("50-hardening.conf:2", config.Get("passwordauthentication")!.Value.Source);
        Assert.Equal(2, config.FilesRead.Count);
    }

    [Fact]
    public async Task HardenedRecordingsAreOk()
    {
        var auditor = Auditor("hardened");
        Assert.Equal(HealthStatus.Ok, (await auditor.FirewallAsync(default)).Status);
        var fail2ban = await auditor.Fail2banAsync(default);
        Assert.Equal(HealthStatus.Ok, fail2ban.Status);
        Assert.Equal(3, fail2ban.Counts["sshd"]);
        Assert.Equal(HealthStatus.Ok, (await auditor.UpdatesAsync(default)).Status);
        Assert.Equal(HealthStatus.Ok, SecurityAuditor.SshPasswordLogin(Path.Combine(Fixtures, "hardened", "root")).Status);
    }

    [Fact]
    public async Task ExposedRecordingsAreCritical()
    {
        var auditor = Auditor("exposed");
        var firewall = await auditor.FirewallAsync(default);
        Assert.Equal(HealthStatus.Critical, firewall.Status);
        Assert.Contains("ufw is installed but inactive", firewall.Message);
        Assert.NotNull(firewall.Hint);
        var fail2ban = await auditor.Fail2banAsync(default);
        Assert.Equal(HealthStatus.Critical, fail2ban.Status);
        Assert.Contains("Is fail2ban running?", fail2ban.Message);
        var updates = await auditor.UpdatesAsync(default);
        Assert.Equal(HealthStatus.Critical, updates.Status);
        Assert.Equal(3, updates.Counts["Security"]);
        var ssh = SecurityAuditor.SshPasswordLogin(Path.Combine(Fixtures, "exposed", "root"));
        Assert.Equal(HealthStatus.Critical, ssh.Status);
        Assert.Contains("default is yes", ssh.Message);
        Assert.Contains("PermitRootLogin yes", ssh.Message);
    }

    [Fact]
    public async Task ToolsNeitherInstalledNorRecordedAreUnknownWithAHint()
    {
        using var empty = new TempFolder();
        var auditor = new SecurityAuditor(new InstalledFirstRunner(new RecordedCommandRunner(empty.Path), null, _ => false), new FrostConfig
        {
            Project = new ProjectSection { Name = "p", Directory = empty.Path },
            Database = new DatabaseSection { Name = "d", User = "u", Password = new PasswordSource { EnvFileKey = "K" } },
        }, session: null);

        foreach (var finding in new[] { await auditor.FirewallAsync(default), await auditor.Fail2banAsync(default), await auditor.UpdatesAsync(default), SecurityAuditor.SshPasswordLogin(empty.Path) })
        {
            Assert.Equal(HealthStatus.Unknown, finding.Status);
            Assert.False(string.IsNullOrEmpty(finding.Hint), finding.Check);
        }
    }

    [Fact]
    public async Task AnInstalledToolWinsOverItsRecording()
    {
        var real = new RecordedCommandRunner(Path.Combine(Fixtures, "hardened"));
        var recorded = new RecordedCommandRunner(Path.Combine(Fixtures, "exposed"));
        var runner = new InstalledFirstRunner(real, recorded, tool => tool == "ufw");

        Assert.Contains("hardened", (await runner.RunAsync("ufw", ["status", "verbose"], default))!.Evidence);
        Assert.Contains("exposed", (await runner.RunAsync("apt", ["list", "--upgradable"], default))!.Evidence);
    }
}
