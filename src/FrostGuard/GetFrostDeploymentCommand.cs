using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Shows the resolved configuration of the deployment joined with what Docker reports.</summary>
[Cmdlet(VerbsCommon.Get, "FrostDeployment")]
[OutputType(typeof(FrostDeployment))]
public sealed class GetFrostDeploymentCommand : FrostCmdlet
{
    protected override void EndProcessing()
    {
        try
        {
            var session = Session;
            WriteObject(Await((_, ct) => new DeploymentInspector(session.Config, session.Docker, Environment.GetEnvironmentVariable).InspectAsync(ct)));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
