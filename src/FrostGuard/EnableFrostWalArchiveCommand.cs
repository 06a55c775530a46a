using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Starts continuous WAL archiving: pg_receivewal in a container of the database's own image,
/// added to FrostGuard's compose override, streaming through a physical replication slot into
/// the backup root. Run it again to finish an interrupted run or to recreate an invalidated slot.
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "FrostWalArchive", SupportsShouldProcess = true)]
[OutputType(typeof(FrostWalArchive))]
public sealed class EnableFrostWalArchiveCommand : FrostCmdlet
{
    protected override void EndProcessing()
    {
        var session = Session;
        var archiver = new WalArchiver(session);
        try
        {
            var plan = Await((_, ct) => archiver.PlanAsync(ct));
            var settings = session.Config.WalArchive;
            if (!ShouldProcess($"WAL archive of {session.Config.Project.Name} ({plan.Folder})", plan.Describe(settings.Slot, settings.Service)))
            {
                return;
            }

            WriteObject(Await((reporter, ct) => archiver.EnableAsync(plan, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
