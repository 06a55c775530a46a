using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>The release history of the deployment from its release records, newest first; IsCurrent marks the one running.</summary>
[Cmdlet(VerbsCommon.Get, "FrostRelease")]
[OutputType(typeof(FrostRelease))]
public sealed class GetFrostReleaseCommand : FrostCmdlet
{
    /// <summary>Release ids (wildcards allowed).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completion.ReleaseIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only the release the deployment runs now.</summary>
    [Parameter]
    public SwitchParameter Current { get; set; }

    /// <summary>Only the newest N releases.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = int.MaxValue;

    protected override void ProcessRecord()
    {
        var session = Session;
        IReadOnlyList<FrostRelease> releases;
        try
        {
            releases = new ReleaseStore(session.StateFolder, session.Config.Project.Name).List();
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var patterns = Id?.Select(i => WildcardPattern.Get(i, WildcardOptions.IgnoreCase)).ToList();
        foreach (var release in releases
                     .Where(r => !Current || r.IsCurrent)
                     .Where(r => patterns is null || patterns.Any(p => p.IsMatch(r.Id)))
                     .Take(Last))
        {
            WriteObject(release);
        }
    }
}
