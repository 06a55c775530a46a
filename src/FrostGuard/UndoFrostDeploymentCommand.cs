using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Rolls the deployment back by hand to a recorded release (the one before the current by
/// default): its image tags and git commit, applied by Compose, then health; with
/// -RestoreDatabase also the backup taken when that release was left.
/// </summary>
[Cmdlet(VerbsCommon.Undo, "FrostDeployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FrostUpdateResult))]
public sealed class UndoFrostDeploymentCommand : FrostCmdlet
{
    private protected override IReadOnlyCollection<string> FinishesInterrupted => [Engine.Platform.Durability.OperationRecord.Restore, Engine.Platform.Durability.OperationRecord.Undo, Engine.Platform.Durability.OperationRecord.Update];

    /// <summary>The release id to go back to (Get-FrostRelease); the deployed release before the current one by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(Completion.ReleaseIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? To { get; set; }

    /// <summary>Also restore the release's backup (Restore-FrostBackup, with its safety backup), to undo a migration.</summary>
    [Parameter]
    public SwitchParameter RestoreDatabase { get; set; }

    /// <summary>How long the services may take to be running and healthy again.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int HealthTimeoutSeconds { get; set; } = 120;

    private bool _done;

    protected override void ProcessRecord()
    {
        if (_done)
        {
            WriteFrostError(new FrostException(ErrorIds.ReleaseNotFound, FailureKind.InvalidData,
                $"A deployment goes back to one release at a time; {To} was not applied.", To,
                "Pipe a single release, e.g. Get-FrostRelease -Id <id> | Undo-FrostDeployment."));
            return;
        }

        var session = Session;
        if (To is null && FinishedOperations.Contains(Engine.Platform.Durability.OperationRecord.Undo))
        {
            // The undo finished above went where an undo was asked to go; one more would go a release too far.
            WriteWarning("The interrupted undo was finished first (above), so this Undo-FrostDeployment goes no further back. Run it again to go back one more release.");
            return;
        }

        var updater = new DeploymentUpdater(session);
        FrostRelease target;
        try
        {
            target = updater.ResolveUndoTarget(To);
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
            return;
        }

        var tags = string.Join(", ", target.Tags.Select(t => $"{t.Key}={t.Value}"));
        if (!ShouldProcess($"deployment {session.Config.Project.Name}",
                $"Go back to release {target.Id} ({tags}{(target.GitCommit is { } c ? ", commit " + c[..Math.Min(12, c.Length)] : "")})"
                + (RestoreDatabase ? $" and restore its backup {target.BackupId ?? "(none recorded)"} over the database" : "")
                + (DeploymentUpdater.DescribeSwitch(session) is { } plan ? ". " + plan : "")))
        {
            return;
        }

        _done = true;
        var request = new UndoRequest { To = target.Id, RestoreDatabase = RestoreDatabase.IsPresent, HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSeconds) };
        try
        {
            WriteObject(Await((reporter, ct) => updater.UndoAsync(request, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
