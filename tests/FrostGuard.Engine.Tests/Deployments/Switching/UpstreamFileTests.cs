using FrostGuard.Engine.Deployments.Switching;

namespace FrostGuard.Engine.Tests.Deployments.Switching;

public sealed class UpstreamFileTests
{
    [Fact]
    public void What_is_rendered_parses_back_to_the_same_target()
    {
        var target = new UpstreamTarget("green", ["127.0.0.1:28082"]);
        var text = UpstreamFile.Render("frostguard_backend", target);

        Assert.Contains("upstream frostguard_backend {", text);
        Assert.Contains("    server 127.0.0.1:28082;", text);
        Assert.Contains("default \"green\";", text);
        Assert.Equal(target.Name, UpstreamFile.Parse(text)!.Name);
        Assert.Equal(target.Servers, UpstreamFile.Parse(text)!.Servers);
    }

    [Fact]
    public void Several_servers_are_kept_in_order()
    {
        var target = new UpstreamTarget("without-app2", ["app1.example:80", "app3.example:80 max_fails=1"]);

        Assert.Equal(["app1.example:80", "app3.example:80"], UpstreamFile.Parse(UpstreamFile.Render("lb", target))!.Servers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("upstream x { server 127.0.0.1:1; }")]
    [InlineData("map $host $frostguard_slot { default \"blue\"; }")]
    public void A_file_FrostGuard_did_not_write_names_no_target(string text)
    {
        Assert.Null(UpstreamFile.Parse(text));
    }
}

public sealed class SandboxUpstreamFileTests
{
    [Fact]
    public void The_sandbox_writes_its_first_include_exactly_as_a_switch_would()
    {
        // Otherwise the first update would find the include "not consistent" and reload for nothing.
        var script = File.ReadAllText(RepositoryPaths.Combine("scripts/sandbox.sh"));
        var start = script.IndexOf("<<CONF\n", StringComparison.Ordinal) + "<<CONF\n".Length;
        var heredoc = script[start..script.IndexOf("\nCONF\n", start, StringComparison.Ordinal)] + "\n";
        var written = heredoc.Replace("$port", "28081", StringComparison.Ordinal).Replace("$slot", "blue", StringComparison.Ordinal).Replace("\\$", "$", StringComparison.Ordinal);

        Assert.Equal(UpstreamFile.Render("frostguard_backend", new UpstreamTarget("blue", ["127.0.0.1:28081"])), written);
    }
}
