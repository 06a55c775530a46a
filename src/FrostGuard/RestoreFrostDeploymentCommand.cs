using System.Collections;
using System.Management.Automation;
using System.Security;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Full server recovery from a backup taken with -IncludeConfig: the deployment's files into a new
/// folder, the stack started with Compose, the database restored, health checked. Into a new
/// folder (and for -Drill) the restored deployment gets a project name, ports, data folder,
/// backup root and endpoints of its own, derived or given, and the command refuses before
/// touching anything when it cannot keep apart from what runs; -Drill removes it again when
/// measured; -InPlace keeps the archived ones, only when the old deployment is gone.
/// </summary>
[Cmdlet(VerbsData.Restore, "FrostDeployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NewFolderSet)]
[OutputType(typeof(FrostDeploymentRecovery))]
public sealed class RestoreFrostDeploymentCommand : FrostCmdlet
{
    private protected override IReadOnlyCollection<string> FinishesInterrupted => [Engine.Platform.Durability.OperationRecord.Recovery];

    private const string NewFolderSet = "NewFolder";
    private const string DrillSet = "Drill";
    private const string InPlaceSet = "InPlace";

    /// <summary>A backup taken with Invoke-FrostBackup -IncludeConfig (Get-FrostBackup | Where-Object IncludesConfig).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Backup")]
    [ValidateNotNull]
    public FrostBackup? InputObject { get; set; }

    /// <summary>The new deployment directory; it must not exist or be empty. A drill uses a new folder under /var/tmp when omitted.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NewFolderSet)]
    [Parameter(ParameterSetName = DrillSet)]
    [Parameter(Mandatory = true, ParameterSetName = InPlaceSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Recover, verify and measure, then remove the drill's containers, folders and data.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DrillSet)]
    public SwitchParameter Drill { get; set; }

    /// <summary>After a disaster: keep the archived project name, ports and folders; refused while anything of the old deployment exists.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InPlaceSet)]
    public SwitchParameter InPlace { get; set; }

    /// <summary>The restored deployment's Compose project name; derived (&lt;name&gt;-recovered, &lt;name&gt;-drill) when omitted.</summary>
    [Parameter(ParameterSetName = NewFolderSet)]
    [Parameter(ParameterSetName = DrillSet)]
    [ValidateNotNullOrEmpty]
    public string? ProjectName { get; set; }

    [Parameter]
    [ValidateNotNull]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyFile { get; set; }

    /// <summary>.env keys to set in the restored copy, e.g. @{ PG_PORT = '25500'; PG_DATA = '/srv/pg' }; checked like derived ones.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Environment { get; set; }

    /// <summary>A FrostGuard configuration for the restored deployment; by default the archived one, pointed at the restored deployment.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetConfigPath { get; set; }

    /// <summary>Bring back the configuration and the stack, but not the database.</summary>
    [Parameter]
    public SwitchParameter SkipDatabase { get; set; }

    [Parameter]
    [ValidateRange(10, 3600)]
    public int HealthTimeoutSeconds { get; set; } = 300;

    private bool _done;

    protected override void ProcessRecord()
    {
        if (_done)
        {
            WriteFrostError(new FrostException(ErrorIds.DeploymentPathNotEmpty, FailureKind.OperationFailed,
                $"Backup {InputObject!.Id} not restored: one deployment was already restored by this command.", InputObject.Id,
                "Pipe a single backup: Get-FrostBackup | Where-Object IncludesConfig | Select-Object -First 1 | Restore-FrostDeployment ..."));
            return;
        }

        if ((Passphrase is null) == (KeyFile is null))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give exactly one of -Passphrase or -KeyFile: the one the backup's configuration was sealed with."),
                ErrorIds.ConfigArchiveKeyInvalid, ErrorCategory.InvalidArgument, "Passphrase"));
        }

        var backup = InputObject!;
        var mode = Drill ? FrostRecoveryMode.Drill : InPlace ? FrostRecoveryMode.InPlace : FrostRecoveryMode.NewFolder;
        var target = Path is null
            ? System.IO.Path.Combine("/var/tmp", $"frostguard-drill-{DateTime.UtcNow:yyyyMMddHHmmss}")
            : GetUnresolvedProviderPathFromPSPath(Path);
        var session = Session;
        var overrides = (Environment ?? []).Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? "", StringComparer.Ordinal);
        try
        {
            using var key = ConfigArchiveKeys.Open(Passphrase, KeyFile is null ? null : GetUnresolvedProviderPathFromPSPath(KeyFile));
            var request = new DeploymentRecoveryRequest
            {
                Backup = backup,
                Path = target,
                Key = key,
                Mode = mode,
                ProjectName = ProjectName,
                Environment = overrides,
                TargetConfigPath = TargetConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(TargetConfigPath),
                SkipDatabase = SkipDatabase,
                HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSeconds),
            };
            var recovery = new DeploymentRecovery(session, System.Environment.GetEnvironmentVariable);

            // The plan first, so -WhatIf and the confirmation say what the recovery would be given.
            var plan = Await((reporter, ct) => recovery.PlanAsync(request, reporter, ct));
            if (!ShouldProcess(target, Describe(mode, backup, plan)))
            {
                return;
            }

            _done = true;
            WriteObject(Await((reporter, ct) => recovery.RecoverAsync(request, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }

    private string Describe(FrostRecoveryMode mode, FrostBackup backup, Engine.Deployments.Recovery.RecoveryPlan plan)
    {
        var what = mode switch
        {
            FrostRecoveryMode.Drill => "Run a recovery drill (recover, verify, measure, then remove it)",
            FrostRecoveryMode.InPlace => "Recover the deployment in place, with its archived names, ports and folders",
            _ => "Recover the deployment into a new folder beside what runs",
        };
        var changes = plan.Isolation.Count == 0 ? "" : "; " + string.Join("; ", plan.Isolation.Select(i => $"{i.Item} {i.From} -> {i.To}"));
        return $"{what} from backup {backup.Id}: project {plan.Project}{changes}{(SkipDatabase ? "" : "; the database restored into it")}";
    }
}
