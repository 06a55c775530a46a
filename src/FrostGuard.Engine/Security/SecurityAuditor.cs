using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Security;

/// <summary>What Test-FrostSecurity looks at, and where.</summary>
public sealed record SecurityRequest(string SystemRoot, IReadOnlyCollection<string> AllowRoot, IReadOnlyCollection<string>? Checks);

/// <summary>
/// The host and deployment checks of the manual's security maintenance: firewall, fail2ban,
/// pending updates, SSH password login, .env permissions, private backups and journals,
/// container privileges. Read-only:
/// it runs status commands and reads files, and never changes anything. Each item is judged
/// Ok/Warning/Critical, or Unknown with a hint when its tool is not installed.
/// </summary>
public sealed class SecurityAuditor
{
    public static readonly IReadOnlyList<string> CheckNames = ["Firewall", "Fail2ban", "Updates", "SshPasswordLogin", "EnvPermissions", PrivateFilesAudit.CheckName, "Containers"];

    private readonly ICommandRunner _runner;
    private readonly FrostConfig _config;
    private readonly FrostSession? _session;

    public SecurityAuditor(ICommandRunner runner, FrostConfig config, FrostSession? session)
    {
        _runner = runner;
        _config = config;
        _session = session;
    }

    public async Task<IReadOnlyList<FrostSecurityFinding>> RunAsync(SecurityRequest request, IFrostReporter reporter, Action<FrostSecurityFinding> write, CancellationToken cancellationToken)
    {
        var all = new List<FrostSecurityFinding>();
        foreach (var name in CheckNames.Where(n => request.Checks is null || request.Checks.Contains(n, StringComparer.OrdinalIgnoreCase)))
        {
            reporter.Verbose($"Security check {name}.");
            IReadOnlyList<FrostSecurityFinding> findings = name switch
            {
                "Firewall" => [await FirewallAsync(cancellationToken).ConfigureAwait(false)],
                "Fail2ban" => [await Fail2banAsync(cancellationToken).ConfigureAwait(false)],
                "Updates" => [await UpdatesAsync(cancellationToken).ConfigureAwait(false)],
                "SshPasswordLogin" => [SshPasswordLogin(request.SystemRoot)],
                "EnvPermissions" => EnvPermissions(),
                PrivateFilesAudit.CheckName => PrivateFiles(),
                _ => await ContainersAsync(request.AllowRoot, cancellationToken).ConfigureAwait(false),
            };
            foreach (var finding in findings)
            {
                write(finding);
                all.Add(finding);
            }
        }

        return all;
    }

    private static FrostSecurityFinding Finding(string check, string target, HealthStatus status, string message, string? hint = null, string? evidence = null,
        IReadOnlyDictionary<string, int>? counts = null) => new()
    {
        Check = check, Target = target, Status = status, Message = message, Hint = status == HealthStatus.Ok ? null : hint, Evidence = evidence,
        Counts = counts ?? new Dictionary<string, int>(),
    };

    private static string FirstLine(string text) => text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(no output)";

    public async Task<FrostSecurityFinding> FirewallAsync(CancellationToken cancellationToken)
    {
        const string check = "Firewall";
        var ufw = await _runner.RunAsync("ufw", ["status", "verbose"], cancellationToken).ConfigureAwait(false);
        string? ufwNote = null;
        if (ufw is not null)
        {
            if (ufw.ExitCode != 0)
            {
                ufwNote = $"ufw status failed ({FirstLine(ufw.StandardError + ufw.StandardOutput)})";
            }
            else
            {
                var status = UfwStatus.Parse(ufw.StandardOutput);
                if (status.Active)
                {
                    return status.DefaultIncoming is "deny" or "reject"
                        ? Finding(check, "ufw", HealthStatus.Ok, $"ufw is active, incoming {status.DefaultIncoming} by default, {status.Rules} rules.", evidence: ufw.Evidence)
                        : Finding(check, "ufw", HealthStatus.Warning, $"ufw is active but lets incoming traffic in by default ({status.DefaultIncoming ?? "no default shown"}), {status.Rules} rules.",
                            "ufw default deny incoming (after allowing SSH and the proxy's ports)", ufw.Evidence);
                }

                ufwNote = "ufw is installed but inactive";
            }
        }

        var nft = await _runner.RunAsync("nft", ["list", "ruleset"], cancellationToken).ConfigureAwait(false);
        if (nft is null)
        {
            return ufwNote is null
                ? Finding(check, "host", HealthStatus.Unknown, "Neither ufw nor nft is installed: the firewall cannot be judged.",
                    "Install ufw (apt-get install ufw) or nftables (apt-get install nftables), then allow SSH and the proxy's ports and deny the rest.")
                : Finding(check, "ufw", HealthStatus.Critical, $"{ufwNote}, and nft is not installed to show other rules.", "ufw allow OpenSSH; ufw allow 443/tcp; ufw enable", ufw!.Evidence);
        }

        if (nft.ExitCode != 0)
        {
            return Finding(check, "nftables", HealthStatus.Unknown, $"{(ufwNote is null ? "" : ufwNote + "; ")}nft list ruleset failed: {FirstLine(nft.StandardError + nft.StandardOutput)}.",
                "Run Test-FrostSecurity as root (nft needs CAP_NET_ADMIN to list rules).", nft.Evidence);
        }

        var chains = NftRuleset.InputChains(nft.StandardOutput);
        var filtering = chains.Where(c => c.Policy is "drop" or "reject" || c.DropsOrRejects).ToList();
        var prefix = ufwNote is null ? "" : ufwNote + "; ";
        if (filtering.Count > 0)
        {
            return Finding(check, "nftables", HealthStatus.Ok,
                $"{prefix}nftables filters input: {string.Join(", ", filtering.Select(c => $"{c.Table} {c.Chain} (policy {c.Policy}, {c.Rules} rules)"))}.", evidence: nft.Evidence);
        }

        return Finding(check, "nftables", HealthStatus.Critical,
            chains.Count == 0
                ? $"{prefix}no nftables chain filters incoming traffic (the ruleset has no input hook): every port is open."
                : $"{prefix}the input chains accept everything: {string.Join(", ", chains.Select(c => $"{c.Table} {c.Chain} (policy {c.Policy}, {c.Rules} rules)"))}.",
            ufwNote is null
                ? "Install and enable a firewall: apt-get install ufw; ufw allow OpenSSH; ufw allow 443/tcp; ufw default deny incoming; ufw enable (or an nftables input chain with policy drop)."
                : "ufw allow OpenSSH; ufw allow 443/tcp; ufw default deny incoming; ufw enable", nft.Evidence);
    }

    public async Task<FrostSecurityFinding> Fail2banAsync(CancellationToken cancellationToken)
    {
        const string check = "Fail2ban";
        var status = await _runner.RunAsync("fail2ban-client", ["status"], cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            return Finding(check, "fail2ban", HealthStatus.Unknown, "fail2ban is not installed: failed logins are not being banned.",
                "apt-get install fail2ban, then enable the sshd jail (/etc/fail2ban/jail.d/sshd.local: [sshd] enabled = true).");
        }

        if (status.ExitCode != 0)
        {
            return Finding(check, "fail2ban", HealthStatus.Critical, $"fail2ban is installed but does not answer: {FirstLine(status.StandardError + status.StandardOutput)}.",
                "systemctl enable --now fail2ban; journalctl -u fail2ban", status.Evidence);
        }

        var jails = Fail2banStatus.Jails(status.StandardOutput);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var parts = new List<string>();
        foreach (var jail in jails)
        {
            var one = await _runner.RunAsync("fail2ban-client", ["status", jail], cancellationToken).ConfigureAwait(false);
            if (one is null || one.ExitCode != 0)
            {
                parts.Add($"{jail} (status unavailable)");
                continue;
            }

            var (banned, total, _) = Fail2banStatus.Jail(one.StandardOutput);
            counts[jail] = banned;
            parts.Add($"{jail}: {banned} banned now, {total} in total");
        }

        if (jails.Count == 0)
        {
            return Finding(check, "fail2ban", HealthStatus.Warning, "fail2ban runs with no jail: nothing is banned.", "Enable the sshd jail: [sshd] enabled = true in /etc/fail2ban/jail.d/sshd.local", status.Evidence, counts);
        }

        var sshd = jails.Contains("sshd", StringComparer.Ordinal);
        return Finding(check, "fail2ban", sshd ? HealthStatus.Ok : HealthStatus.Warning,
            $"{jails.Count} jail{(jails.Count == 1 ? "" : "s")}: {string.Join("; ", parts)}" + (sshd ? "." : "; no sshd jail."),
            "Enable the sshd jail: [sshd] enabled = true in /etc/fail2ban/jail.d/sshd.local", status.Evidence, counts);
    }

    public async Task<FrostSecurityFinding> UpdatesAsync(CancellationToken cancellationToken)
    {
        const string check = "Updates";
        var apt = await _runner.RunAsync("apt", ["list", "--upgradable"], cancellationToken).ConfigureAwait(false);
        if (apt is null)
        {
            return Finding(check, "packages", HealthStatus.Unknown, "apt is not installed: pending updates cannot be counted (FrostGuard reads Debian/Ubuntu's apt).",
                "Check updates with the system's own package manager.");
        }

        if (apt.ExitCode != 0)
        {
            return Finding(check, "packages", HealthStatus.Unknown, $"apt list --upgradable failed: {FirstLine(apt.StandardError)}.", "Run apt-get update, then try again.", apt.Evidence);
        }

        var pending = AptUpgradable.Parse(apt.StandardOutput);
        var security = pending.Where(p => p.IsSecurity).ToList();
        var counts = new Dictionary<string, int> { ["Pending"] = pending.Count, ["Security"] = security.Count };
        var lists = "as of the last apt-get update";
        if (security.Count > 0)
        {
            return Finding(check, "packages", HealthStatus.Critical,
                $"{pending.Count} updates pending, {security.Count} of them security updates ({string.Join(", ", security.Take(8).Select(p => p.Package))}{(security.Count > 8 ? ", …" : "")}), {lists}.",
                "apt-get update && apt-get upgrade (then Test-FrostHealth); consider unattended-upgrades for security updates.", apt.Evidence, counts);
        }

        return pending.Count > 0
            ? Finding(check, "packages", HealthStatus.Warning, $"{pending.Count} updates pending, none of them security updates, {lists}.",
                "Plan apt-get upgrade in the next maintenance window.", apt.Evidence, counts)
            : Finding(check, "packages", HealthStatus.Ok, $"No updates pending, {lists}.", evidence: apt.Evidence, counts: counts);
    }

    public static FrostSecurityFinding SshPasswordLogin(string systemRoot)
    {
        const string check = "SshPasswordLogin";
        var main = SshdConfig.MainPath(systemRoot);
        if (!File.Exists(main))
        {
            return Finding(check, "sshd", HealthStatus.Unknown, $"The OpenSSH server is not installed ({main} does not exist).",
                "If this server is reached over SSH, install openssh-server and set PasswordAuthentication no.");
        }

        var config = SshdConfig.Load(systemRoot);
        var evidence = string.Join(", ", config.FilesRead);
        var password = config.Get("PasswordAuthentication");
        var keyboard = config.Get("KbdInteractiveAuthentication") ?? config.Get("ChallengeResponseAuthentication");
        var pam = config.Get("UsePAM");
        var root = config.Get("PermitRootLogin");
        var empty = config.Get("PermitEmptyPasswords");
        var rootNote = root is { Value: "yes" } r ? $" PermitRootLogin yes ({r.Source}) also lets root log in with a password." : "";
        const string hint = "Set PasswordAuthentication no (and KbdInteractiveAuthentication no) in /etc/ssh/sshd_config.d/50-frostguard.conf, check key login works, then systemctl reload ssh.";

        if (empty is { Value: "yes" } e)
        {
            return Finding(check, "sshd", HealthStatus.Critical, $"PermitEmptyPasswords yes ({e.Source}): accounts without a password can log in.", hint, evidence);
        }

        if (password is not { } p || !p.Value.Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            return Finding(check, "sshd", HealthStatus.Critical,
                (password is null ? "PasswordAuthentication is not set, and sshd's default is yes" : $"PasswordAuthentication {password.Value.Value} ({password.Value.Source})")
                + ": SSH accepts passwords." + rootNote, hint, evidence);
        }

        if (keyboard is { } k && k.Value.Equals("yes", StringComparison.OrdinalIgnoreCase) && pam is { } u && u.Value.Equals("yes", StringComparison.OrdinalIgnoreCase))
        {
            return Finding(check, "sshd", HealthStatus.Warning,
                $"PasswordAuthentication no ({p.Source}), but keyboard-interactive login through PAM is on ({k.Source}): PAM may still ask for a password." + rootNote, hint, evidence);
        }

        return Finding(check, "sshd", root is { Value: "yes" } ? HealthStatus.Warning : HealthStatus.Ok,
            $"PasswordAuthentication no ({p.Source}): SSH takes keys only." + rootNote, "Set PermitRootLogin prohibit-password (or no).", evidence);
    }

    public IReadOnlyList<FrostSecurityFinding> EnvPermissions()
    {
        const string check = "EnvPermissions";
        var envPath = _config.Project.EnvPath;
        if (!File.Exists(envPath))
        {
            return [Finding(check, envPath, HealthStatus.Unknown, $"{envPath} does not exist.", $"Check project.directory and project.envFile in {_config.SourcePath}.")];
        }

        if (OperatingSystem.IsWindows())
        {
            return [Finding(check, envPath, HealthStatus.Unknown, "File modes are POSIX; not judged on Windows.", "Check the file's ACL by hand.")];
        }

        var folder = Path.GetDirectoryName(envPath)!;
        var name = Path.GetFileName(envPath);
        var files = new[] { envPath }.Concat(Directory.GetFiles(folder, name + ".*").Where(f => Path.GetFileName(f).StartsWith(name + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal)).ToList();
        var findings = new List<FrostSecurityFinding>();
        foreach (var file in files)
        {
            var mode = File.GetUnixFileMode(file);
            var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
            var open = mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
            var other = (mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0;
            findings.Add(open == 0
                ? Finding(check, file, HealthStatus.Ok, $"Mode {octal}: only its owner can read it.", evidence: file)
                : Finding(check, file, other ? HealthStatus.Critical : HealthStatus.Warning,
                    $"Mode {octal}: {(other ? "every user on this host" : "its group")} can read the deployment's secrets.", $"chmod 600 {file}", file));
        }

        return findings;
    }

    /// <summary>The backup root and the state folder (journals, releases, locks): one finding each.</summary>
    public IReadOnlyList<FrostSecurityFinding> PrivateFiles()
    {
        var backupRoot = _session?.BackupRoot ?? StatePaths.BackupRoot(_config, Environment.GetEnvironmentVariable);
        var stateFolder = _session?.StateFolder ?? StatePaths.StateFolder(_config, Environment.GetEnvironmentVariable);
        return [PrivateFilesAudit.Audit("backup root", backupRoot), PrivateFilesAudit.Audit("state folder", stateFolder)];
    }

    public async Task<IReadOnlyList<FrostSecurityFinding>> ContainersAsync(IReadOnlyCollection<string> allowRoot, CancellationToken cancellationToken)
    {
        const string check = "Containers";
        if (_session is null)
        {
            return [Finding(check, "containers", HealthStatus.Unknown, "No deployment session: containers not inspected.", "Pass -ConfigPath.")];
        }

        var services = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        if (services.Count == 0)
        {
            return [Finding(check, _config.Project.Name, HealthStatus.Unknown, $"Project {_config.Project.Name} has no containers.", "Get-FrostDeployment; start the deployment.")];
        }

        var findings = new List<FrostSecurityFinding>();
        foreach (var service in services)
        {
            var inspected = await _session.Docker.CallAsync($"inspect {service.Container}",
                (c, ct) => c.Containers.InspectContainerAsync(service.ContainerId, ct), cancellationToken).ConfigureAwait(false);
            findings.Add(JudgeContainer(service.Service, service.Container, inspected, allowRoot));
        }

        return findings;
    }

    /// <summary>One container's privileges: privileged or the Docker socket is Critical; root (unless allowed) or added capabilities a Warning.</summary>
    public static FrostSecurityFinding JudgeContainer(string service, string container, global::Docker.DotNet.Models.ContainerInspectResponse inspected, IReadOnlyCollection<string> allowRoot)
    {
        const string check = "Containers";
        var user = inspected.Config?.User ?? "";
        var uid = user.Split(':')[0];
        var asRoot = uid is "" or "0" or "root";
        var caps = inspected.HostConfig?.CapAdd ?? [];
        var socket = (inspected.Mounts ?? []).Any(m => m.Source is "/var/run/docker.sock" or "/run/docker.sock");
        var problems = new List<string>();
        var status = HealthStatus.Ok;
        if (inspected.HostConfig?.Privileged == true)
        {
            problems.Add("runs privileged (all capabilities, all devices)");
            status = HealthStatus.Critical;
        }

        if (socket)
        {
            problems.Add("mounts the Docker socket (root on the host)");
            status = HealthStatus.Critical;
        }

        if (asRoot && !allowRoot.Contains(service, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(user == "" ? "runs as root (no user set)" : $"runs as root (user {user})");
            status = status == HealthStatus.Critical ? status : HealthStatus.Warning;
        }

        if (caps.Count > 0)
        {
            problems.Add($"adds capabilities {string.Join(", ", caps)}");
            status = status == HealthStatus.Critical ? status : HealthStatus.Warning;
        }

        return problems.Count == 0
            ? Finding(check, container, HealthStatus.Ok, $"Unprivileged, runs as {(asRoot ? "root (allowed by -AllowRoot)" : "user " + user)}, no added capabilities.", evidence: "Docker Engine inspect")
            : Finding(check, container, status, $"{service} {string.Join("; ", problems)}.",
                $"In the compose file, give {service} a non-root user (user: \"uid:gid\") and drop privileged/cap_add/socket mounts it does not need; or pass -AllowRoot {service} if it must run as root.",
                "Docker Engine inspect");
    }
}
