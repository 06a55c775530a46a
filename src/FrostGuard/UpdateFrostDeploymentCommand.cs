using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Updates the deployment: preflight, a pre-update backup, a release record, optionally
/// git pull --ff-only, the new version applied by Compose, a wait for health and the health
/// checks; on failure it rolls back by itself to the previous release and reports both, with
/// the downtime it measured.
/// </summary>
[Cmdlet(VerbsData.Update, "FrostDeployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FrostUpdateResult))]
public sealed class UpdateFrostDeploymentCommand : FrostCmdlet
{
    private protected override IReadOnlyCollection<string> FinishesInterrupted => [Engine.Platform.Durability.OperationRecord.Restore, Engine.Platform.Durability.OperationRecord.Undo, Engine.Platform.Durability.OperationRecord.Update];

    /// <summary>The image tag to run (written to the .env as &lt;SERVICE&gt;_TAG); omitted, the tags stay as they are.</summary>
    [Parameter(Position = 0)]
    [ValidatePattern(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    public string? Version { get; set; }

    /// <summary>The services to update; with -Version, every service with a &lt;SERVICE&gt;_TAG key by default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Service { get; set; }

    /// <summary>No pre-update backup (a rollback can then not restore the database).</summary>
    [Parameter]
    public SwitchParameter SkipBackup { get; set; }

    /// <summary>git pull --ff-only in the deployment directory before applying.</summary>
    [Parameter]
    public SwitchParameter Pull { get; set; }

    /// <summary>How long the updated services may take to be running and healthy before the update counts as failed.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int HealthTimeoutSeconds { get; set; } = 120;

    protected override void EndProcessing()
    {
        var session = Session;
        var services = Service ?? [];
        var what = (Version is null ? "Apply the deployment directory as it is" : $"Set version {Version} for {(services.Length == 0 ? "every service with a _TAG key" : string.Join(", ", services))}")
                   + (Pull ? " after git pull --ff-only" : "") + (SkipBackup ? ", without a backup" : ", after a backup") + ", rolling back on failure"
                   + (DeploymentUpdater.DescribeSwitch(session) is { } plan ? ". " + plan : "");
        if (!ShouldProcess($"deployment {session.Config.Project.Name} ({session.Config.Project.Directory})", what))
        {
            return;
        }

        var request = new UpdateRequest
        {
            Version = Version,
            Services = services,
            SkipBackup = SkipBackup.IsPresent,
            Pull = Pull.IsPresent,
            HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSeconds),
        };
        FrostUpdateResult result;
        try
        {
            result = Await((reporter, ct) => new DeploymentUpdater(session).UpdateAsync(request, reporter, ct));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
            return;
        }

        WriteObject(result);
        if (result.RolledBack)
        {
            var rollback = result.ServingSlot is { } slot && !result.Switched
                ? $"The proxy was never switched: slot {slot} kept serving release {result.CurrentRelease}; the health URL was down {result.Downtime.TotalSeconds:0.0} s in all."
                : $"It was rolled back to release {result.CurrentRelease} in {result.RollbackDuration?.TotalSeconds:0.0} s; the health URL was down {result.RollbackDowntime?.TotalSeconds:0.0} s during the rollback ({result.Downtime.TotalSeconds:0.0} s in all).";
            WriteFrostError(new FrostException(ErrorIds.UpdateRolledBack, FailureKind.OperationFailed,
                $"The update of {result.Project} failed: {result.Failure} {rollback}",
                result.ToRelease, $"Fix the release and update again; Get-FrostRelease shows {result.ToRelease} as RolledBack."));
        }
    }
}
