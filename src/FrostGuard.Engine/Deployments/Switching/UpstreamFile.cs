using System.Text;
using System.Text.RegularExpressions;

namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>What a proxy's upstream is switched to: a name the responses carry (a slot, or a fleet's set of hosts) and the servers behind it.</summary>
public sealed record UpstreamTarget(string Name, IReadOnlyList<string> Servers)
{
    public override string ToString() => $"{Name} ({string.Join(", ", Servers)})";
}

/// <summary>
/// The nginx include FrostGuard writes: an upstream block with the target's servers, and
/// $frostguard_slot naming the target, which the proxy sends back in X-FrostGuard-Slot so a
/// switch is verified by what users' requests see, not by what was written.
/// </summary>
public static partial class UpstreamFile
{
    public const string SlotVariable = "$frostguard_slot";

    public static string Render(string upstreamName, UpstreamTarget target)
    {
        var text = new StringBuilder();
        text.Append("# Written by FrostGuard: what the proxy forwards to. Do not edit: Update-FrostDeployment and\n");
        text.Append("# Undo-FrostDeployment switch it (docs/updates.md).\n");
        text.Append("upstream ").Append(upstreamName).Append(" {\n");
        foreach (var server in target.Servers)
        {
            text.Append("    server ").Append(server).Append(";\n");
        }

        text.Append("    keepalive 16;\n}\n");
        text.Append("map $host ").Append(SlotVariable).Append(" {\n    default \"").Append(target.Name).Append("\";\n}\n");
        return text.ToString();
    }

    /// <summary>The target a file names; null when it is not one FrostGuard wrote (no server or no name).</summary>
    public static UpstreamTarget? Parse(string text)
    {
        var servers = ServerLine().Matches(text).Select(m => m.Groups[1].Value).ToList();
        var name = NameLine().Match(text);
        return servers.Count == 0 || !name.Success ? null : new UpstreamTarget(name.Groups[1].Value, servers);
    }

    [GeneratedRegex(@"^\s*server\s+([^\s;]+)[^;]*;", RegexOptions.Multiline)]
    private static partial Regex ServerLine();

    [GeneratedRegex("^\\s*default\\s+\"([^\"]*)\"\\s*;", RegexOptions.Multiline)]
    private static partial Regex NameLine();
}
