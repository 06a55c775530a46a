using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.Physical;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Checks backups: the checksum against the manifest and pg_restore --list; with -Restore, a
/// restore into a throwaway database whose row counts must equal the manifest's.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FrostBackup", DefaultParameterSetName = "Backup")]
[OutputType(typeof(FrostBackupTest), ParameterSetName = ["Backup"])]
[OutputType(typeof(FrostRecoveryDrill), ParameterSetName = ["PointInTime", "Latest", "RestorePoint"])]
public sealed class TestFrostBackupCommand : FrostCmdlet
{
    /// <summary>Backups from Get-FrostBackup; the newest one when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = "Backup")]
    [ValidateNotNull]
    public FrostBackup[]? InputObject { get; set; }

    /// <summary>A recovery drill to this moment: the base backup and the WAL archive recovered in a throwaway container.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "PointInTime")]
    public DateTimeOffset PointInTime { get; set; }

    /// <summary>A recovery drill to the end of the archived WAL.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Latest")]
    public SwitchParameter Latest { get; set; }

    /// <summary>A recovery drill to a restore point made with Invoke-FrostBackup -RestorePoint.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "RestorePoint")]
    [ValidateNotNullOrEmpty]
    public string? RestorePoint { get; set; }

    /// <summary>A table a writer fills (schema.table): the drill checks that the last row committed before the target is in the copy and the first after it is not.</summary>
    [Parameter(ParameterSetName = "PointInTime")]
    [Parameter(ParameterSetName = "Latest")]
    [Parameter(ParameterSetName = "RestorePoint")]
    [ValidateNotNullOrEmpty]
    public string? VerifyTable { get; set; }

    /// <summary>The column of -VerifyTable the writer sets with clock_timestamp() (not now(): that is the transaction's start).</summary>
    [Parameter(ParameterSetName = "PointInTime")]
    [Parameter(ParameterSetName = "Latest")]
    [Parameter(ParameterSetName = "RestorePoint")]
    [ValidateNotNullOrEmpty]
    public string? TimestampColumn { get; set; }

    /// <summary>The key column of -VerifyTable (default id).</summary>
    [Parameter(ParameterSetName = "PointInTime")]
    [Parameter(ParameterSetName = "Latest")]
    [Parameter(ParameterSetName = "RestorePoint")]
    [ValidateNotNullOrEmpty]
    public string? KeyColumn { get; set; }

    /// <summary>Also restore into a throwaway database and compare row counts (the measured RTO).</summary>
    [Parameter(ParameterSetName = "Backup")]
    public SwitchParameter Restore { get; set; }

    protected override void EndProcessing()
    {
        if (ParameterSetName == "Backup")
        {
            return;
        }

        var session = Session;
        var target = RecoveryTarget.FromParameters(ParameterSetName, PointInTime, RestorePoint);
        try
        {
            var drill = Await((reporter, ct) => new RecoveryDrill(session).RunAsync(new DrillRequest(target, VerifyTable, TimestampColumn, KeyColumn), reporter, ct));
            WriteObject(drill);
            if (!drill.Passed)
            {
                WriteFrostError(new FrostException(ErrorIds.BackupRestoreTestFailed, FailureKind.InvalidData,
                    $"The recovery to {drill.Target} from {drill.BaseBackupId} promoted, but {drill.VerifiedTable} is wrong: the row before the target ({drill.RowBefore}) {(drill.RowBeforePresent == false ? "is missing" : "is there")}, the row after it ({drill.RowAfter ?? "none"}) {(drill.RowAfterAbsent == false ? "is there" : "is absent")}, the newest in the copy is {drill.NewestInCopy:O}.",
                    drill.BaseBackupId, "Do not rely on recovery to this point; Get-FrostWalArchive shows the archive's gaps, Get-FrostBackup the base backups."));
            }
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

        var session = Session;
        var backups = InputObject;
        if (backups is null)
        {
            var latest = Await((reporter, _) => Task.FromResult(new BackupCatalog(session.BackupRoot).List(reporter, withRecoverableRange: false))).Select(b => b.Backup).Where(b => b.Format != FrostBackupFormat.Physical).Take(1).ToArray();
            if (latest.Length == 0)
            {
                WriteFrostError(new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
                    $"There is no backup in {session.BackupRoot} to test.", session.BackupRoot, "Take one with Invoke-FrostBackup."));
                return;
            }

            backups = latest;
        }

        foreach (var backup in backups)
        {
            try
            {
                WriteObject(Await((reporter, ct) => new BackupTester(session).TestAsync(backup, Restore.IsPresent, reporter, ct)));
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }
    }
}
