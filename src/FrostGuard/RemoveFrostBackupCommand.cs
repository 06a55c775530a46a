using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Removes backups: the manifest first, then the archive.</summary>
[Cmdlet(VerbsCommon.Remove, "FrostBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveFrostBackupCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public FrostBackup[]? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var backup in InputObject!)
        {
            if (!ShouldProcess($"backup {backup.Id} ({backup.Path})", "Remove"))
            {
                continue;
            }

            try
            {
                Await((reporter, _) =>
                {
                    BackupRemover.Remove(backup, reporter);
                    return Task.FromResult(true);
                });
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }
    }
}
