using System.Management.Automation;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Starts the containers of services and waits until each is running and, with a healthcheck, healthy.</summary>
[Cmdlet(VerbsLifecycle.Start, "FrostService", SupportsShouldProcess = true)]
[OutputType(typeof(FrostService))]
public sealed class StartFrostServiceCommand : ServiceControlCmdlet
{
    /// <summary>How long to wait for running and healthy.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    private protected override string Action => "Start";

    private protected override Task<FrostService> ActAsync(ServiceController controller, FrostService service, IFrostReporter reporter, CancellationToken cancellationToken) =>
        controller.StartAsync(service, TimeSpan.FromSeconds(TimeoutSeconds), reporter, cancellationToken);
}
