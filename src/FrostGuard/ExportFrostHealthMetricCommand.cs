using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Writes health results (Test-FrostHealth | Export-FrostHealthMetric -Path ...) in the
/// Prometheus text format for node_exporter's textfile collector, atomically (temp file + rename).
/// </summary>
[Cmdlet(VerbsData.Export, "FrostHealthMetric", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFrostHealthMetricCommand : FrostCmdlet
{
    /// <summary>The .prom file, e.g. in node_exporter's --collector.textfile.directory.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public FrostHealthResult[] InputObject { get; set; } = [];

    /// <summary>Write the file's FileInfo afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<FrostHealthResult> _results = [];

    protected override void ProcessRecord() => _results.AddRange(InputObject);

    protected override void EndProcessing()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(path, $"Write {_results.Count} health result(s) in the Prometheus textfile format"))
        {
            return;
        }

        try
        {
            TextfileExporter.WriteAtomically(path, TextfileExporter.Render(_results, DateTimeOffset.UtcNow));
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
