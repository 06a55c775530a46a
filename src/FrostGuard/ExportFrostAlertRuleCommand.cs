using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Writes Prometheus alerting rules generated from the monitoring thresholds (the manual's table,
/// -Threshold, or the built-in lines) over the series Export-FrostHealthMetric writes.
/// </summary>
[Cmdlet(VerbsData.Export, "FrostAlertRule", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFrostAlertRuleCommand : FrostCmdlet
{
    /// <summary>The rules file (YAML) to write.</summary>
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
            if (!ShouldProcess(path, $"Write {thresholds.Count} Prometheus alerting rule(s)"))
            {
                return;
            }

            TextfileExporter.WriteAtomically(path, AlertRuleExporter.Render(thresholds));
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
