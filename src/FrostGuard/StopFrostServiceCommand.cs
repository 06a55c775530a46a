using System.Management.Automation;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Stops the containers of services (SIGTERM, then SIGKILL after the grace period). A stopped service is left as it is.</summary>
[Cmdlet(VerbsLifecycle.Stop, "FrostService", SupportsShouldProcess = true)]
[OutputType(typeof(FrostService))]
public sealed class StopFrostServiceCommand : ServiceControlCmdlet
{
    /// <summary>Seconds between SIGTERM and SIGKILL.</summary>
    [Parameter]
    [ValidateRange(0, 600)]
    public int GracePeriodSeconds { get; set; } = 10;

    private protected override string Action => "Stop";

    private protected override Task<FrostService> ActAsync(ServiceController controller, FrostService service, IFrostReporter reporter, CancellationToken cancellationToken) =>
        controller.StopAsync(service, TimeSpan.FromSeconds(GracePeriodSeconds), reporter, cancellationToken);
}
