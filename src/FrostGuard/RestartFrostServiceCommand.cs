using System.Management.Automation;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Restarts the containers of services, one after the other, each waited on until running and healthy.</summary>
[Cmdlet(VerbsLifecycle.Restart, "FrostService", SupportsShouldProcess = true)]
[OutputType(typeof(FrostService))]
public sealed class RestartFrostServiceCommand : ServiceControlCmdlet
{
    /// <summary>Seconds between SIGTERM and SIGKILL.</summary>
    [Parameter]
    [ValidateRange(0, 600)]
    public int GracePeriodSeconds { get; set; } = 10;

    /// <summary>How long to wait for running and healthy.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    private protected override string Action => "Restart";

    private protected override Task<FrostService> ActAsync(ServiceController controller, FrostService service, IFrostReporter reporter, CancellationToken cancellationToken) =>
        controller.RestartAsync(service, TimeSpan.FromSeconds(GracePeriodSeconds), TimeSpan.FromSeconds(TimeoutSeconds), reporter, cancellationToken);
}
