using System.Management.Automation;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Writes a Grafana dashboard (JSON model) with a panel per metric of the thresholds table and
/// its warning and critical lines as thresholds, over the series Export-FrostHealthMetric writes.
/// </summary>
[Cmdlet(VerbsData.Export, "FrostDashboard", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFrostDashboardCommand : ThresholdExportCmdlet
{
    private protected override string Action(IReadOnlyList<FrostThreshold> thresholds) =>
        $"Write a Grafana dashboard with {thresholds.Select(t => t.Key).Distinct().Count()} panel(s)";

    private protected override string Render(IReadOnlyList<FrostThreshold> thresholds) =>
        DashboardExporter.Render(thresholds, Session.Config.Project.Name);
}
