using System.Management.Automation;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Writes Prometheus alerting rules generated from the monitoring thresholds (the manual's table,
/// -Threshold, or the built-in lines) over the series Export-FrostHealthMetric writes.
/// </summary>
[Cmdlet(VerbsData.Export, "FrostAlertRule", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFrostAlertRuleCommand : ThresholdExportCmdlet
{
    private protected override string Action(IReadOnlyList<FrostThreshold> thresholds) =>
        $"Write {thresholds.Count} Prometheus alerting rule(s)";

    private protected override string Render(IReadOnlyList<FrostThreshold> thresholds) => AlertRuleExporter.Render(thresholds);
}
