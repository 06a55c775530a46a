using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Updates the deployment: preflight, a pre-update backup, a release record, optionally
/// git pull --ff-only, the new version applied by Compose, a wait for health and the health
/// checks; on failure it rolls back by itself to the previous release and reports both, with
/// the downtime it measured.
/// </summary>
[Cmdlet(VerbsData.Update, "FrostDeployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FrostUpdateResult))]
public sealed class UpdateFrostDeploymentCommand : Fleet.FleetTargetCmdlet
{
    private protected override IReadOnlyCollection<string> FinishesInterrupted => [Engine.Platform.Durability.OperationRecord.Restore, Engine.Platform.Durability.OperationRecord.Undo, Engine.Platform.Durability.OperationRecord.Update];

    /// <summary>The image tag to run (written to the .env as &lt;SERVICE&gt;_TAG); omitted, the tags stay as they are.</summary>
    [Parameter(Position = 0)]
    [ValidatePattern(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    public string? Version { get; set; }

    /// <summary>The services to update; with -Version, every service with a &lt;SERVICE&gt;_TAG key by default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Service { get; set; }

    /// <summary>No pre-update backup (a rollback can then not restore the database).</summary>
    [Parameter]
    public SwitchParameter SkipBackup { get; set; }

    /// <summary>git pull --ff-only in the deployment directory before applying.</summary>
    [Parameter]
    public SwitchParameter Pull { get; set; }

    /// <summary>How long the updated services may take to be running and healthy before the update counts as failed.</summary>
    [Parameter]
    [ValidateRange(5, 3600)]
    public int HealthTimeoutSeconds { get; set; } = 120;

    /// <summary>With -Target: the wave sizes (numbers of hosts, percentages of the targeted hosts); default one host at a time.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Wave { get; set; }

    /// <summary>With -Target: the health checks an updated host must pass (no Critical) before it goes back into the load balancer; default all.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.HealthCheckCompleter))]
    [Completion.ValidateHealthCheck]
    public string[]? GateCheck { get; set; }

    protected override void EndProcessing()
    {
        if (OnFleet)
        {
            UpdateFleet();
            return;
        }

        var session = Session;
        var services = Service ?? [];
        var what = (Version is null ? "Apply the deployment directory as it is" : $"Set version {Version} for {(services.Length == 0 ? "every service with a _TAG key" : string.Join(", ", services))}")
                   + (Pull ? " after git pull --ff-only" : "") + (SkipBackup ? ", without a backup" : ", after a backup") + ", rolling back on failure"
                   + ((services.Length == 0 || services.Contains(session.Config.Update.Service, StringComparer.Ordinal)) && DeploymentUpdater.DescribeSwitch(session) is { } plan ? ". " + plan : "");
        if (!ShouldProcess($"deployment {session.Config.Project.Name} ({session.Config.Project.Directory})", what))
        {
            return;
        }

        var request = new UpdateRequest
        {
            Version = Version,
            Services = services,
            SkipBackup = SkipBackup.IsPresent,
            Pull = Pull.IsPresent,
            HealthTimeout = TimeSpan.FromSeconds(HealthTimeoutSeconds),
        };
        FrostUpdateResult result;
        try
        {
            result = Await((reporter, ct) => new DeploymentUpdater(session).UpdateAsync(request, reporter, ct));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
            return;
        }

        WriteObject(result);
        if (result.RolledBack)
        {
            var rollback = result.ServingSlot is { } slot && !result.Switched
                ? $"The proxy was never switched: slot {slot} kept serving release {result.CurrentRelease}; the health URL was down {result.Downtime.TotalSeconds:0.0} s in all."
                : $"It was rolled back to release {result.CurrentRelease} in {result.RollbackDuration?.TotalSeconds:0.0} s; the health URL was down {result.RollbackDowntime?.TotalSeconds:0.0} s during the rollback ({result.Downtime.TotalSeconds:0.0} s in all).";
            WriteFrostError(new FrostException(ErrorIds.UpdateRolledBack, FailureKind.OperationFailed,
                $"The update of {result.Project} failed: {result.Failure} {rollback}",
                result.ToRelease, $"Fix the release and update again; Get-FrostRelease shows {result.ToRelease} as RolledBack."));
        }
    }

    /// <summary>
    /// The rolling update behind the load balancer (docs/fleet.md): checked here first (application
    /// hosts with an Upstream cell, at least one load balancer, no wave that empties it), then
    /// wave by wave out of rotation, updated, checked and put back; a failed host stops the rollout.
    /// </summary>
    private void UpdateFleet()
    {
        var inventory = LoadInventory();
        IReadOnlyList<Engine.Fleet.FleetHost> hosts;
        try
        {
            hosts = inventory.Select(Target);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var balancers = inventory.Hosts.Where(h => h.HasRole("lb")).ToList();
        var refusal = hosts.FirstOrDefault(h => !h.HasRole("app")) is { } notApp ? $"{notApp.Name} is not an application host (roles: {string.Join(", ", notApp.Roles)}); a rolling update updates app hosts behind the load balancer"
            : hosts.FirstOrDefault(h => h.Upstream is null) is { } noUpstream ? $"{noUpstream.Name} has no Upstream cell in {inventory.Path} (line {noUpstream.Line}): the load balancer cannot take it out"
            : balancers.Count == 0 ? $"{inventory.Path} has no host with the role lb to take hosts out of"
            : null;
        IReadOnlyList<IReadOnlyList<Engine.Fleet.FleetHost>> waves = [];
        if (refusal is null)
        {
            try
            {
                waves = Engine.Fleet.WavePlan.Split(hosts, Wave ?? ["1"]);
            }
            catch (FrostException e)
            {
                ThrowFrostError(e);
                return;
            }

            var inRotation = inventory.Hosts.Where(h => h.HasRole("app") && h.Upstream is not null).Select(h => h.Upstream!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (waves.FirstOrDefault(w => inRotation.All(s => w.Any(h => h.Upstream!.Equals(s, StringComparison.OrdinalIgnoreCase)))) is { } emptying)
            {
                refusal = $"the wave {string.Join(", ", emptying.Select(h => h.Name))} would take every application host out of the load balancer; use smaller waves (-Wave 1)";
            }
        }

        if (refusal is not null)
        {
            ThrowFrostError(new FrostException(ErrorIds.RolloutRefused, FailureKind.InvalidData, $"The rolling update did not start: {refusal}. Nothing changed.", string.Join(",", Target!),
                "Fix the inventory or the waves; docs/fleet.md describes the rolling update."));
            return;
        }

        var plan = string.Join("; ", waves.Select((w, i) => $"wave {i + 1}: {string.Join(", ", w.Select(h => h.Name))}"));
        if (!ShouldProcess($"{hosts.Count} application host(s) behind {string.Join(", ", balancers.Select(b => b.Name))}",
                $"Rolling update to {Version ?? "the release in each host's checkout"} ({(SkipBackup ? "no backup" : "backup on the database host first")}; {plan}; a failed host stops the rollout)"))
        {
            return;
        }

        var update = ForwardedParameters();
        update.Remove("Wave");
        update.Remove("GateCheck");
        update["SkipBackup"] = true; // the backup runs once, where the database is
        update["Confirm"] = false;
        var hostOfServer = inventory.Hosts.Where(h => h.Upstream is not null).GroupBy(h => h.Upstream!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.OrdinalIgnoreCase);
        var identity = Controller.Identity;
        using var connection = Connect(inventory);
        var stopped = RunQueued((reporter, ct) => new Fleet.RollingUpdate(connection, identity, waves, balancers, inventory.Hosts.Where(h => h.HasRole("db")).ToList(),
            hostOfServer, update, GateCheck ?? [], SkipBackup, reporter,
            item => reporter.Post(_ => WriteFromHost(item)), record => reporter.Post(c => c.WriteError(record))).RunAsync(ct));
        if (stopped is not null)
        {
            WriteError(FrostErrors.Create(new InvalidOperationException($"The rolling update stopped: {stopped}"), ErrorIds.RolloutStopped, ErrorCategory.InvalidResult,
                string.Join(",", Target!), "Read the host's error above; fix the cause and run the rolling update again (hosts already on the release update to it again quickly)."));
        }
    }
}
