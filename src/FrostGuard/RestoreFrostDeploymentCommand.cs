using System.Collections;
using System.Management.Automation;
using System.Security;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Full server recovery from a backup taken with -IncludeConfig: the deployment's files into a new
/// folder, the stack started with Compose, the database restored, health checked.
/// </summary>
[Cmdlet(VerbsData.Restore, "FrostDeployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FrostDeploymentRecovery))]
public sealed class RestoreFrostDeploymentCommand : FrostCmdlet
{
    /// <summary>A backup taken with Invoke-FrostBackup -IncludeConfig (Get-FrostBackup | Where-Object IncludesConfig).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Backup")]
    [ValidateNotNull]
    public FrostBackup? InputObject { get; set; }

    /// <summary>The new deployment directory; it must not exist or be empty.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    [ValidateNotNull]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyFile { get; set; }

    /// <summary>.env keys to set in the restored copy, e.g. @{ COMPOSE_PROJECT_NAME = 'frostguard-new'; PG_DATA = '/srv/pg' }.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Environment { get; set; }

    /// <summary>A FrostGuard configuration for the restored deployment; by default the archived one, pointed at -Path.</summary>
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
                $"Backup {InputObject!.Id} not restored: one deployment was already restored into {Path} by this command.", InputObject.Id,
                "Pipe a single backup: Get-FrostBackup | Where-Object IncludesConfig | Select-Object -First 1 | Restore-FrostDeployment ..."));
            return;
        }

        if ((Passphrase is null) == (KeyFile is null))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give exactly one of -Passphrase or -KeyFile: the one the backup's configuration was sealed with."),
                ErrorIds.ConfigArchiveKeyInvalid, ErrorCategory.InvalidArgument, "Passphrase"));
        }

        var backup = InputObject!;
        var target = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(target, $"Restore the deployment from backup {backup.Id}: its configuration, a started stack{(SkipDatabase ? "" : " and the database")}"))
        {
            return;
        }

        _done = true;
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
                Environment = overrides,
                TargetConfigPath = TargetConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(TargetConfigPath),
                SkipDatabase = SkipDatabase,
                HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSeconds),
            };
            WriteObject(Await((reporter, ct) => new DeploymentRecovery(session, System.Environment.GetEnvironmentVariable).RecoverAsync(request, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
