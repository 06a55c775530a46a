using System.Globalization;
using System.Text.RegularExpressions;

namespace FrostGuard.Engine.Security;

/// <summary>`ufw status verbose`: active or not, the default incoming policy, how many rules.</summary>
public sealed record UfwStatus(bool Active, string? DefaultIncoming, int Rules)
{
    public static UfwStatus Parse(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var status = lines.FirstOrDefault(l => l.StartsWith("Status:", StringComparison.Ordinal))
                     ?? throw new FormatException("no 'Status:' line (is this `ufw status verbose` output?)");
        var active = status["Status:".Length..].Trim() == "active";
        var defaults = lines.FirstOrDefault(l => l.StartsWith("Default:", StringComparison.Ordinal));
        var incoming = defaults is null ? null : Regex.Match(defaults, @"(\w+) \(incoming\)").Groups[1].Value is { Length: > 0 } v ? v : null;
        var header = lines.FindIndex(l => l.StartsWith("--", StringComparison.Ordinal));
        var rules = header < 0 ? 0 : lines.Skip(header + 1).Count(l => l.Trim().Length > 0);
        return new UfwStatus(active, incoming, rules);
    }
}

/// <summary>One base chain hooked on input in `nft list ruleset`.</summary>
public sealed record NftInputChain(string Table, string Chain, string Policy, int Rules, bool DropsOrRejects);

/// <summary>`nft list ruleset`: the input base chains, their policy and rules.</summary>
public static class NftRuleset
{
    private static readonly Regex Hook = new(@"type\s+filter\s+hook\s+input\b.*?(?:policy\s+(\w+))?\s*;?\s*$", RegexOptions.Compiled);
    private static readonly Regex Policy = new(@"policy\s+(\w+)", RegexOptions.Compiled);

    public static IReadOnlyList<NftInputChain> InputChains(string text)
    {
        var chains = new List<NftInputChain>();
        string? table = null, chain = null;
        var depth = 0;
        var chainDepth = -1;
        var isInput = false;
        var policy = "accept";
        var rules = 0;
        var drops = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("table ", StringComparison.Ordinal) && line.EndsWith('{'))
            {
                table = line[6..^1].Trim();
            }
            else if (line.StartsWith("chain ", StringComparison.Ordinal) && line.EndsWith('{'))
            {
                chain = line[6..^1].Trim();
                chainDepth = depth + 1;
                isInput = false;
                policy = "accept";
                rules = 0;
                drops = false;
            }
            else if (chain is not null && depth == chainDepth && line != "}")
            {
                if (Hook.IsMatch(line))
                {
                    isInput = true;
                    if (Policy.Match(line) is { Success: true } p)
                    {
                        policy = p.Groups[1].Value;
                    }
                }
                else if (line.StartsWith("type ", StringComparison.Ordinal))
                {
                    // another hook (output, forward, prerouting): not an input chain
                }
                else
                {
                    rules++;
                    drops |= Regex.IsMatch(line, @"\b(drop|reject)\b");
                }
            }

            depth += line.Count(c => c == '{') - line.Count(c => c == '}');
            if (chain is not null && depth < chainDepth)
            {
                if (isInput)
                {
                    chains.Add(new NftInputChain(table ?? "?", chain, policy, rules, drops));
                }

                chain = null;
                chainDepth = -1;
            }
        }

        return chains;
    }
}

/// <summary>`fail2ban-client status` and `fail2ban-client status &lt;jail&gt;`.</summary>
public static class Fail2banStatus
{
    public static IReadOnlyList<string> Jails(string text)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.Contains("Jail list:", StringComparison.Ordinal))
                   ?? throw new FormatException("no 'Jail list:' line (is this `fail2ban-client status` output?)");
        return line[(line.IndexOf("Jail list:", StringComparison.Ordinal) + "Jail list:".Length)..]
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static (int CurrentlyBanned, int TotalBanned, int CurrentlyFailed) Jail(string text) =>
        (Number(text, "Currently banned:"), Number(text, "Total banned:"), Number(text, "Currently failed:"));

    private static int Number(string text, string label)
    {
        var match = Regex.Match(text, Regex.Escape(label) + @"\s*(\d+)");
        return match.Success
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new FormatException($"no '{label}' line (is this `fail2ban-client status <jail>` output?)");
    }
}

/// <summary>One line of `apt list --upgradable`.</summary>
public sealed record PendingUpdate(string Package, IReadOnlyList<string> Suites, string Version)
{
    public bool IsSecurity => Suites.Any(s => s.EndsWith("-security", StringComparison.Ordinal) || s.Contains("security", StringComparison.Ordinal));
}

public static class AptUpgradable
{
    // libssl3/stable-security,bookworm-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]
    private static readonly Regex Line = new(@"^(?<package>[^/\s]+)/(?<suites>\S+)\s+(?<version>\S+)\s+\S+\s+\[upgradable from:", RegexOptions.Compiled);

    public static IReadOnlyList<PendingUpdate> Parse(string text) =>
        text.Split('\n')
            .Select(l => Line.Match(l.Trim()))
            .Where(m => m.Success)
            .Select(m => new PendingUpdate(m.Groups["package"].Value, m.Groups["suites"].Value.Split(','), m.Groups["version"].Value))
            .ToList();
}
