using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Checks backups: the checksum against the manifest and pg_restore --list; with -Restore, a
/// restore into a throwaway database whose row counts must equal the manifest's.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FrostBackup")]
[OutputType(typeof(FrostBackupTest))]
public sealed class TestFrostBackupCommand : FrostCmdlet
{
    /// <summary>Backups from Get-FrostBackup; the newest one when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public FrostBackup[]? InputObject { get; set; }

    /// <summary>Also restore into a throwaway database and compare row counts (the measured RTO).</summary>
    [Parameter]
    public SwitchParameter Restore { get; set; }

    protected override void ProcessRecord()
    {
        var session = Session;
        var backups = InputObject;
        if (backups is null)
        {
            var latest = Await((reporter, _) => Task.FromResult(new BackupCatalog(session.BackupRoot).List(reporter))).Select(b => b.Backup).Take(1).ToArray();
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
