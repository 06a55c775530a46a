using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.Physical;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Restores a backup over the deployment's database: checksum first, backend and worker stopped,
/// a safety backup, and the services that ran started again whatever happens; a failed restore
/// puts the safety backup back.
/// </summary>
[Cmdlet(VerbsData.Restore, "FrostBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Backup")]
[OutputType(typeof(FrostRestore), ParameterSetName = ["Backup"])]
[OutputType(typeof(FrostPointInTimeRestore), ParameterSetName = ["PointInTime", "Latest", "RestorePoint"])]
public sealed class RestoreFrostBackupCommand : FrostCmdlet
{
    private protected override IReadOnlyCollection<string> FinishesInterrupted => [Engine.Platform.Durability.OperationRecord.Restore, Engine.Platform.Durability.OperationRecord.PointInTime];

    /// <summary>The backup to restore (from Get-FrostBackup).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Backup")]
    [ValidateNotNull]
    public FrostBackup? InputObject { get; set; }

    /// <summary>Recover the whole cluster to this moment: a base backup and the WAL archive, into a new data folder swapped in once it has promoted.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "PointInTime")]
    public DateTimeOffset PointInTime { get; set; }

    /// <summary>Recover the whole cluster to the end of the archived WAL.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Latest")]
    public SwitchParameter Latest { get; set; }

    /// <summary>Recover the whole cluster to a restore point made with Invoke-FrostBackup -RestorePoint.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "RestorePoint")]
    [ValidateNotNullOrEmpty]
    public string? RestorePoint { get; set; }

    /// <summary>The services that write to the database, stopped during the restore.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] StopService { get; set; } = ["backend", "worker"];

    /// <summary>Parallel pg_restore jobs; above 1 a custom-format archive is first written to a file in the container, a directory-format one is read where it lies.</summary>
    [Parameter(ParameterSetName = "Backup")]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    /// <summary>Restore without taking a safety backup first: for a database beyond a backup (damaged, missing) or a disk that cannot hold one. A failed restore then cannot be undone.</summary>
    [Parameter(ParameterSetName = "Backup")]
    public SwitchParameter SkipSafetyBackup { get; set; }

    private bool _restored;

    protected override void EndProcessing()
    {
        if (ParameterSetName == "Backup")
        {
            return;
        }

        var session = Session;
        var target = RecoveryTarget.FromParameters(ParameterSetName, PointInTime, RestorePoint);
        var restorer = new PointInTimeRestorer(session);
        var request = new PointInTimeRequest(target, StopService);
        try
        {
            // The plan first: a data folder that cannot be swapped and a target out of reach are refused here, and -WhatIf shows what would happen and what would be lost.
            var plan = Await((reporter, ct) => restorer.PlanAsync(request, mark: !MyInvocation.BoundParameters.ContainsKey("WhatIf"), reporter, ct));
            if (!ShouldProcess($"database cluster of {session.Config.Project.Name} ({plan.LiveFolder})", plan.Describe([.. StopService, session.Config.WalArchive.Service])))
            {
                return;
            }

            WriteObject(Await((reporter, ct) => restorer.RestoreAsync(request, plan, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName != "Backup")
        {
            return;
        }

        var backup = InputObject!;
        if (_restored)
        {
            WriteFrostError(new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.InvalidData,
                $"Only one backup can be restored at a time; {backup.Id} was not restored.", backup.Id,
                "Pipe a single backup, e.g. Get-FrostBackup -Latest | Restore-FrostBackup."));
            return;
        }

        var session = Session;
        if (!ShouldProcess($"database {backup.Database} ({session.Config.Project.Name})",
                $"Replace with backup {backup.Id} of {backup.Created:u}, stopping {string.Join(", ", StopService)}{(SkipSafetyBackup ? ", WITHOUT a safety backup (a failed restore cannot be undone)" : "")}"))
        {
            return;
        }

        _restored = true;
        var request = new RestoreRequest { Backup = backup, StopServices = StopService, Jobs = Jobs, SkipSafetyBackup = SkipSafetyBackup };
        try
        {
            WriteObject(Await((reporter, ct) => new DatabaseRestorer(session).RestoreAsync(request, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
