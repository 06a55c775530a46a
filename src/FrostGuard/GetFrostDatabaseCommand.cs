using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Connects to the deployment's PostgreSQL database and reports what it is.</summary>
[Cmdlet(VerbsCommon.Get, "FrostDatabase")]
[OutputType(typeof(FrostDatabase))]
public sealed class GetFrostDatabaseCommand : FrostCmdlet
{
    protected override void EndProcessing()
    {
        var session = Session;
        try
        {
            var database = session.Config.Database;
            WriteObject(Await((_, ct) => new DatabaseProbe(session.Database).ProbeAsync(database.Name, database.User, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
