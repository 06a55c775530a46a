using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Services;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Lists the containers of the deployment's Compose services, one object per container.</summary>
[Cmdlet(VerbsCommon.Get, "FrostService")]
[OutputType(typeof(FrostService))]
public sealed class GetFrostServiceCommand : Fleet.FleetTargetCmdlet
{
    /// <summary>Service names (wildcards allowed); all services when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Service")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Also list the idle backend slot's container (the previous release kept stopped for a fast undo); every other command means the serving slot.</summary>
    [Parameter]
    public SwitchParameter IncludeIdleSlot { get; set; }

    /// <summary>Also sample live CPU and memory use (two one-shot stats samples, one stats collector tick apart: 1–2 s).</summary>
    [Parameter]
    public SwitchParameter Resources { get; set; }

    private readonly List<string> _fleetNames = [];

    protected override void ProcessRecord()
    {
        if (OnFleet)
        {
            _fleetNames.AddRange(Name ?? []);
            return;
        }

        IReadOnlyList<FrostService> services;
        try
        {
            var session = Session;
            services = Await((_, ct) => session.Services.ListAsync(IncludeIdleSlot, ct));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        if (Name is null)
        {
            WriteServices(services);
            return;
        }

        var selected = new List<FrostService>();
        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = services.Where(s => pattern.IsMatch(s.Service)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                var known = string.Join(", ", services.Select(s => s.Service).Distinct());
                WriteError(FrostErrors.Create(
                    new ItemNotFoundException($"Project {Session.Config.Project.Name} has no service '{name}'. Its services: {(known.Length > 0 ? known : "none (is the project up?)")}."),
                    ErrorIds.ServiceNotFound, ErrorCategory.ObjectNotFound, name,
                    "Run Get-FrostService without -Name to list the services."));
                continue;
            }

            selected.AddRange(matches);
        }

        WriteServices(selected);
    }

    protected override void EndProcessing()
    {
        if (OnFleet)
        {
            var parameters = ForwardedParameters();
            parameters.Remove("Name");
            if (_fleetNames.Count > 0)
            {
                parameters["Name"] = _fleetNames.ToArray();
            }

            RunOnTargets(WriteFromHost, parameters);
        }
    }

    private void WriteServices(IReadOnlyList<FrostService> services)
    {
        if (Resources && services.Count > 0)
        {
            try
            {
                var sampler = new ResourceSampler(Session.Docker);
                var resources = Await((_, ct) => sampler.SampleAsync(services, ct));
                foreach (var service in services)
                {
                    service.Resources = resources.GetValueOrDefault(service.ContainerId);
                }
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }

        foreach (var service in services)
        {
            if (Resources)
            {
                // Its own view: use and limits side by side (module/FrostGuard.Deployments.format.ps1xml).
                var wrapped = PSObject.AsPSObject(service);
                wrapped.TypeNames.Insert(0, "FrostGuard.FrostService#Resources");
                WriteObject(wrapped);
            }
            else
            {
                WriteObject(service);
            }
        }
    }
}
