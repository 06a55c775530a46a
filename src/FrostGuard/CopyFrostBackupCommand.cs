using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Copies backups with their manifests to another folder (a mounted external store), verified by checksum.</summary>
[Cmdlet(VerbsCommon.Copy, "FrostBackup", SupportsShouldProcess = true)]
[OutputType(typeof(FrostBackup))]
public sealed class CopyFrostBackupCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public FrostBackup[]? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    protected override void ProcessRecord()
    {
        var destination = GetUnresolvedProviderPathFromPSPath(Destination!);
        foreach (var backup in InputObject!)
        {
            if (!ShouldProcess($"backup {backup.Id}", $"Copy to {destination}"))
            {
                continue;
            }

            try
            {
                WriteObject(Await((reporter, ct) => BackupCopier.CopyAsync(backup, destination, reporter, ct)));
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }
    }
}
