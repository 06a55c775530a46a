using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Security;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// The security maintenance checks: firewall (ufw or nftables), fail2ban jails and bans, pending
/// (security) updates, SSH password login, .env permissions, backups and journals others can
/// read, privileged or root containers.
/// Read-only: status commands and files only. A missing tool gives Unknown with a hint.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FrostSecurity")]
[OutputType(typeof(FrostSecurityFinding))]
public sealed class TestFrostSecurityCommand : FrostCmdlet
{
    /// <summary>Only these checks; all when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateSet("Firewall", "Fail2ban", "Updates", "SshPasswordLogin", "EnvPermissions", "PrivateFiles", "Containers", IgnoreCase = true)]
    public string[]? Check { get; set; }

    /// <summary>Services allowed to run as root (their image needs it).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] AllowRoot { get; set; } = [];

    /// <summary>The root of the file system whose /etc/ssh is read; default /.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SystemRoot { get; set; } = "/";

    /// <summary>A folder of recorded command outputs, used only for tools not installed here.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RecordedOutputPath { get; set; }

    protected override void EndProcessing()
    {
        var session = Session;
        var root = SessionState.Path.GetUnresolvedProviderPathFromPSPath(SystemRoot);
        RecordedCommandRunner? recorded = null;
        if (RecordedOutputPath is not null)
        {
            var folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(RecordedOutputPath);
            if (!Directory.Exists(folder))
            {
                ThrowFrostError(new FrostException(ErrorIds.SecurityRecordingNotFound, FailureKind.NotFound,
                    $"No folder of recorded outputs at {folder}.", folder, "Pass a folder holding files like ufw-status-verbose.txt (see docs/security.md), or omit -RecordedOutputPath."));
                return;
            }

            recorded = new RecordedCommandRunner(folder);
        }

        var runner = new InstalledFirstRunner(new ProcessCommandRunner(), recorded);
        var auditor = new SecurityAuditor(runner, session.Config, session);
        var request = new SecurityRequest(root, AllowRoot, Check);
        try
        {
            AwaitStreaming<FrostSecurityFinding, IReadOnlyList<FrostSecurityFinding>>(
                (reporter, write, ct) => auditor.RunAsync(request, reporter, write, ct), WriteObject);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
