using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments.Switching;

namespace FrostGuard;

/// <summary>What the proxy (a load balancer, or the slots' proxy) forwards to: its target and servers, from the include FrostGuard writes.</summary>
[Cmdlet(VerbsCommon.Get, "FrostUpstream")]
[OutputType(typeof(FrostUpstream))]
public sealed class GetFrostUpstreamCommand : Fleet.FleetTargetCmdlet
{
    protected override void EndProcessing()
    {
        if (OnFleet)
        {
            RunOnTargets(WriteFromHost);
            return;
        }

        try
        {
            WriteObject(UpstreamControl.Read(Session.Config));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
