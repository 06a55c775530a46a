using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// The recovery objectives of the manual (runbooks/disaster-recovery.md) against what was
/// measured: the newest verified backup's age, the last measured restore, full recovery and
/// rollback. Unknown where nothing was measured yet.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FrostRecoveryStatus")]
[OutputType(typeof(FrostRecoveryObjective))]
public sealed class GetFrostRecoveryStatusCommand : Fleet.FleetTargetCmdlet
{
    protected override void EndProcessing()
    {
        if (OnFleet)
        {
            RunOnTargets(WriteFromHost);
            return;
        }

        var session = Session;
        try
        {
            Await((reporter, ct) => new RecoveryStatusReader(session).ReadAsync(reporter, ct)).ToList().ForEach(WriteObject);
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
