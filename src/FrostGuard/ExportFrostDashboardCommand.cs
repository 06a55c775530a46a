using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Writes a Grafana dashboard (JSON model) with a panel per metric of the thresholds table and
/// its warning and critical lines as thresholds, over the series Export-FrostHealthMetric writes.
/// </summary>
[Cmdlet(VerbsData.Export, "FrostDashboard", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFrostDashboardCommand : FrostCmdlet
{
    /// <summary>The dashboard JSON file to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Thresholds (Get-FrostThreshold); default: the manual's, else built-in.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public FrostThreshold[]? Threshold { get; set; }

    /// <summary>Write the file's FileInfo afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<FrostThreshold> _thresholds = [];

    protected override void ProcessRecord()
    {
        if (Threshold is not null)
        {
            _thresholds.AddRange(Threshold);
        }
    }

    protected override void EndProcessing()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        try
        {
            var thresholds = _thresholds.Count > 0
                ? _thresholds
                : Await((reporter, _) => Task.FromResult(ThresholdSource.Resolve(null, Session.Config.ManualPath, reporter)));
            if (!ShouldProcess(path, $"Write a Grafana dashboard with {thresholds.Select(t => t.Key).Distinct().Count()} panel(s)"))
            {
                return;
            }

            TextfileExporter.WriteAtomically(path, DashboardExporter.Render(thresholds, Session.Config.Project.Name));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }

        if (PassThru)
        {
            WriteObject(new FileInfo(path));
        }
    }
}
