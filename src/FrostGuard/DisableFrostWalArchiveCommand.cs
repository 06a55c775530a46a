using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Stops continuous WAL archiving: the archiver service leaves the override file, its container
/// is removed and the replication slot dropped (so it no longer holds WAL on the database's
/// disk). The archived WAL stays in the backup root.
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "FrostWalArchive", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FrostWalArchive))]
public sealed class DisableFrostWalArchiveCommand : FrostCmdlet
{
    protected override void EndProcessing()
    {
        var session = Session;
        var archiver = new WalArchiver(session);
        var settings = session.Config.WalArchive;
        try
        {
            if (!ShouldProcess($"WAL archive of {session.Config.Project.Name} ({archiver.Folder})",
                $"Remove the service {settings.Service} from {ComposeOverride.PathIn(session.Config.Project.Directory)} and its container, drop the slot {settings.Slot}"
                + (File.Exists(archiver.KeepSizeRecord) ? "; put max_slot_wal_keep_size back to what it was before Enable-FrostWalArchive; " : "; ")
                + "recovery to a point after now becomes impossible until archiving is enabled again and a base backup taken (the archived WAL stays)"))
            {
                return;
            }

            WriteObject(Await((reporter, ct) => archiver.DisableAsync(reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
