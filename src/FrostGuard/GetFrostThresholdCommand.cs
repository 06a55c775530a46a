using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// The thresholds health checks judge by: read from the manual's monitoring table (-Path, else
/// manualPath/monitoring.md of the configuration), the built-in lines filling in what it leaves out.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FrostThreshold")]
[OutputType(typeof(FrostThreshold))]
public sealed class GetFrostThresholdCommand : FrostCmdlet
{
    /// <summary>A Markdown file (or a folder holding monitoring.md) with a Metric | Warning | Critical table.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void EndProcessing()
    {
        var path = Path is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var manualPath = path is null ? Session.Config.ManualPath : null;
        try
        {
            var thresholds = Await((reporter, _) => Task.FromResult(ThresholdSource.Resolve(path, manualPath, reporter)));
            foreach (var threshold in thresholds)
            {
                WriteObject(threshold);
            }
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
