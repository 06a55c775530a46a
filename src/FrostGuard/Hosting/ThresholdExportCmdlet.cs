using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;

namespace FrostGuard.Hosting;

/// <summary>
/// What Export-FrostAlertRule and Export-FrostDashboard share: thresholds from the pipeline (or
/// the manual's, else built-in), ShouldProcess, an atomic write, and -PassThru.
/// </summary>
public abstract class ThresholdExportCmdlet : FrostCmdlet
{
    private readonly List<FrostThreshold> _thresholds = [];

    /// <summary>The file to write.</summary>
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

    /// <summary>The ShouldProcess action, e.g. "Write 7 Prometheus alerting rule(s)".</summary>
    private protected abstract string Action(IReadOnlyList<FrostThreshold> thresholds);

    /// <summary>The file's content.</summary>
    private protected abstract string Render(IReadOnlyList<FrostThreshold> thresholds);

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
            var thresholds = _thresholds.Count > 0 ? _thresholds : ManualOrBuiltIn();
            if (!ShouldProcess(path, Action(thresholds)))
            {
                return;
            }

            TextfileExporter.WriteAtomically(path, Render(thresholds));
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

    private IReadOnlyList<FrostThreshold> ManualOrBuiltIn()
    {
        // Opening the session reads SessionState, may write warnings and may end the command: all of
        // which only the pipeline thread may do, so it is opened here and not inside the work.
        var manualPath = Session.Config.ManualPath;
        return Await((reporter, _) => Task.FromResult(ThresholdSource.Resolve(null, manualPath, reporter)));
    }
}
