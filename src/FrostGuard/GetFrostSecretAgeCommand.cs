using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Secrets;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// When each managed secret was last rotated (the rotation log in the state folder, else the
/// .env file's modification time), against the manual's quarterly rotation policy.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FrostSecretAge")]
[OutputType(typeof(FrostSecretAge))]
public sealed class GetFrostSecretAgeCommand : FrostCmdlet
{
    /// <summary>The rotation policy in days; the manual's is quarterly (90).</summary>
    [Parameter]
    [ValidateRange(1, 3650)]
    public int MaxAgeDays { get; set; } = SecretAgeReader.QuarterlyDays;

    protected override void EndProcessing()
    {
        var session = Session;
        try
        {
            var ages = Await((reporter, _) => Task.FromResult(SecretAgeReader.Read(session.Config, session.StateFolder, MaxAgeDays, TimeProvider.System, reporter.Warning)));
            foreach (var age in ages)
            {
                WriteObject(age);
            }
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
