using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;

namespace FrostGuard.Hosting;

/// <summary>
/// What Start-, Stop- and Restart-FrostService share: -Name from the pipeline (Get-FrostService
/// output binds by its Service property), one ShouldProcess decision per container on the
/// pipeline thread, one error per container that fails, the others go on.
/// </summary>
public abstract class ServiceControlCmdlet : FrostCmdlet
{
    /// <summary>Service names (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Service")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Write the service's state afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected abstract string Action { get; }

    private protected abstract Task<FrostService> ActAsync(ServiceController controller, FrostService service, IFrostReporter reporter, CancellationToken cancellationToken);

    protected override void ProcessRecord()
    {
        var session = Session;
        List<FrostService> selected;
        try
        {
            var services = Await((_, ct) => session.Services.ListAsync(ct));
            selected = ServiceSelection.Select(this, services, Name, session.Config.Project.Name);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var controller = new ServiceController(session.Docker, session.Services);
        foreach (var service in selected)
        {
            if (!ShouldProcess($"{service.Container} (service {service.Service})", Action))
            {
                continue;
            }

            try
            {
                var after = Await((reporter, ct) => ActAsync(controller, service, reporter, ct));
                if (PassThru)
                {
                    WriteObject(after);
                }
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }
    }
}
