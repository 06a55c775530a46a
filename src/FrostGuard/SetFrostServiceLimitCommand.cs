using System.Globalization;
using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Sets a service's memory and CPU limits: written to FrostGuard's compose override file and
/// applied by Compose (the service's containers are recreated). A limit below what the service
/// uses now is warned about first.
/// </summary>
[Cmdlet(VerbsCommon.Set, "FrostServiceLimit", SupportsShouldProcess = true, DefaultParameterSetName = "Set")]
[OutputType(typeof(FrostServiceOverride))]
public sealed class SetFrostServiceLimitCommand : FrostCmdlet
{
    /// <summary>The service to limit.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Service")]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Memory limit in bytes (512MB, 1GB); at least 6 MB, Docker's minimum.</summary>
    [Parameter(ParameterSetName = "Set")]
    [ValidateRange(6L * 1024 * 1024, long.MaxValue)]
    public long Memory { get; set; }

    /// <summary>CPU limit in CPUs (1.5 = one and a half CPUs).</summary>
    [Parameter(ParameterSetName = "Set")]
    [ValidateRange(0.01, 1024.0)]
    public double Cpus { get; set; }

    /// <summary>Remove the service's memory and CPU limits.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Remove")]
    public SwitchParameter Remove { get; set; }

    /// <summary>How long the recreated containers may take to be running and healthy.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int HealthTimeoutSeconds { get; set; } = 120;

    protected override void ProcessRecord()
    {
        var memory = MyInvocation.BoundParameters.ContainsKey(nameof(Memory)) ? Memory : (long?)null;
        var cpus = MyInvocation.BoundParameters.ContainsKey(nameof(Cpus)) ? Cpus : (double?)null;
        if (!Remove && memory is null && cpus is null)
        {
            ThrowTerminatingError(FrostErrors.Create(new ArgumentException("Give -Memory, -Cpus or both (or -Remove)."),
                ErrorIds.ServiceLimitMissing, ErrorCategory.InvalidArgument, Name, "e.g. Set-FrostServiceLimit -Name backend -Memory 512MB -Cpus 1.5"));
        }

        var session = Session;
        var scaler = new ServiceScaler(session);
        var request = new ScaleRequest { Service = Name!, MemoryBytes = memory, Cpus = cpus, RemoveLimits = Remove.IsPresent, HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSeconds) };
        try
        {
            Await((reporter, ct) => scaler.CheckAsync(request, reporter, ct));
            var what = Remove
                ? "Remove the memory and CPU limits"
                : "Limit to " + string.Join(" and ", new[]
                {
                    memory is { } m ? $"{m / 1048576.0:0.#} MiB of memory" : null,
                    cpus is { } c ? $"{c.ToString("0.##", CultureInfo.InvariantCulture)} CPUs" : null,
                }.Where(p => p is not null));
            if (!ShouldProcess($"service {Name} ({session.Config.Project.Name})", $"{what}, written to {ComposeOverride.PathIn(session.Config.Project.Directory)}; its containers are recreated"))
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
