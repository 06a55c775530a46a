using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Sets how many containers a service runs: written to FrostGuard's compose override file in
/// the deployment directory and applied by Compose, so later `up -d` runs and updates keep it.
/// </summary>
[Cmdlet(VerbsCommon.Set, "FrostServiceScale", SupportsShouldProcess = true)]
[OutputType(typeof(FrostServiceOverride))]
public sealed class SetFrostServiceScaleCommand : FrostCmdlet
{
    /// <summary>The service to scale.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Service")]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The number of containers; 1 removes the scale from the override file.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, 50)]
    public int Replicas { get; set; }

    /// <summary>How long the service's containers may take to be running and healthy.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int HealthTimeoutSeconds { get; set; } = 120;

    protected override void ProcessRecord()
    {
        var session = Session;
        var scaler = new ServiceScaler(session);
        var request = new ScaleRequest { Service = Name!, Replicas = Replicas, HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSeconds) };
        try
        {
            Await((reporter, ct) => scaler.CheckAsync(request, reporter, ct));
            if (!ShouldProcess($"service {Name} ({session.Config.Project.Name})", $"Run {Replicas} container(s), written to {ComposeOverride.PathIn(session.Config.Project.Directory)}"))
            {
                return;
            }

            WriteObject(Await((reporter, ct) => scaler.ApplyAsync(request, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
