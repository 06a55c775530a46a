using System.Management.Automation;
using System.Text.RegularExpressions;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments.Switching;

namespace FrostGuard;

/// <summary>
/// Sets what the proxy forwards to: writes the upstream include atomically, runs the proxy's own
/// configuration test (a refused file is put back and nothing reloads), reloads, and returns only
/// once an answer through the proxy came from one of the new servers. Taking a server out of a
/// load balancer before working on it, and putting it back after.
/// </summary>
[Cmdlet(VerbsCommon.Set, "FrostUpstream", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FrostUpstream))]
public sealed partial class SetFrostUpstreamCommand : Fleet.FleetTargetCmdlet
{
    /// <summary>The servers to forward to, host:port each.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Server { get; set; } = [];

    /// <summary>The target's name, answered in X-FrostGuard-Slot; default the servers joined by '+'.</summary>
    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$")]
    public string? Name { get; set; }

    protected override void EndProcessing()
    {
        foreach (var server in Server)
        {
            if (!ServerPattern().IsMatch(server))
            {
                ThrowFrostError(new FrostException(ErrorIds.UpstreamInvalid, FailureKind.InvalidData, $"'{server}' is not a server: write host:port (127.0.0.1:8080, app1.internal:8080).", server,
                    "Pass each server as host:port."));
            }
        }

        if (OnFleet)
        {
            if (ShouldProcess(string.Join(", ", Target!), $"Forward to {string.Join(", ", Server)}"))
            {
                var parameters = ForwardedParameters();
                parameters["Confirm"] = false;
                RunOnTargets(WriteFromHost, parameters);
            }

            return;
        }

        var target = new UpstreamTarget(Name ?? string.Join('+', Server), Server.Distinct().ToList());
        var session = Session;
        FrostUpstream before;
        try
        {
            before = UpstreamControl.Read(session.Config);
        }
        catch (FrostException)
        {
            before = new FrostUpstream { Upstream = "", Target = "(none)", Servers = [], Path = "" };
        }

        if (!ShouldProcess($"{before.Path} (now {before})", $"Forward to {target}"))
        {
            return;
        }

        try
        {
            WriteObject(Await((reporter, ct) => UpstreamControl.SetAsync(session, target, reporter, ct)));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\[\]:-]+:[0-9]{1,5}$")]
    private static partial Regex ServerPattern();
}
