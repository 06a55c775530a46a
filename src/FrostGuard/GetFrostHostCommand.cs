using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Fleet;

namespace FrostGuard;

/// <summary>
/// The fleet: each host of the inventory with what it says when asked over SSH (reachable or
/// why not, its FrostGuard build, Docker and the Compose project's containers), hosts asked
/// at once and written as each answers. An unreachable host is a row of its own, not an error.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FrostHost")]
[OutputType(typeof(FrostHost))]
public sealed class GetFrostHostCommand : FleetCmdlet
{
    /// <summary>Only these hosts (names from the inventory).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(FleetTargetCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only hosts with one of these roles.</summary>
    [Parameter]
    [ValidateSet("db", "app", "lb")]
    public string[]? Role { get; set; }

    /// <summary>List the inventory without asking the hosts.</summary>
    [Parameter]
    public SwitchParameter Offline { get; set; }

    /// <summary>How long opening one host's session may take.</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    private protected override string[]? Targets => Name;

    private protected override TimeSpan ConnectTimeout => TimeSpan.FromSeconds(TimeoutSeconds);

    private readonly List<string> _names = [];

    protected override void ProcessRecord()
    {
        if (Name is not null)
        {
            _names.AddRange(Name);
        }
    }

    protected override void EndProcessing()
    {
        var inventory = LoadInventory();
        var hosts = inventory.Hosts
            .Where(h => _names.Count == 0 || _names.Any(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase).IsMatch(h.Name)))
            .Where(h => Role is null || Role.Any(h.HasRole))
            .ToList();
        foreach (var name in _names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !inventory.Hosts.Any(h => h.Name.Equals(n, StringComparison.OrdinalIgnoreCase))))
        {
            WriteFrostError(new FrostException(ErrorIds.FleetTargetNotFound, FailureKind.NotFound,
                $"The fleet inventory {inventory.Path} has no host '{name}'.", name, "Get-FrostHost without -Name lists the hosts."));
        }

        if (Offline)
        {
            foreach (var host in hosts)
            {
                WriteObject(Describe(host, reachable: false, state: "NotAsked"));
            }

            return;
        }

        var identity = Controller.Identity;
        using var connection = Connect(inventory);
        RunQueued((reporter, ct) => FanOutAsync(hosts, reporter, ct, async (host, token) =>
        {
            var clock = Stopwatch.StartNew();
            var session = await connection.SessionAsync(host, token);
            PSObject? probe = null;
            await session.InvokeAsync(RemoteScripts.Probe, new Hashtable(), o => probe = o, token);
            var active = probe?.Properties["Active"]?.Value as string;
            if (active != identity)
            {
                var problem = RemoteCommand.OtherBuild(host.Name, identity, probe ?? new PSObject());
                reporter.Post(_ => WriteObject(Describe(host, true, problem.ErrorId, active, problem.Message, clock.Elapsed)));
                return;
            }

            FrostDeployment? deployment = null;
            var errors = new List<ErrorRecord>();
            try
            {
                await RemoteCommand.RunAsync(session, identity, "Get-FrostDeployment", new Hashtable(), o => deployment ??= o as FrostDeployment, errors.Add, token);
            }
            catch (FrostException e)
            {
                errors.Add(Hosting.FrostErrors.ToRecord(e));
            }

            var first = errors.FirstOrDefault();
            var answered = deployment is null
                ? Describe(host, true, first?.FullyQualifiedErrorId.Split(',')[0] ?? ErrorIds.HostCommandFailed, active, first?.ErrorDetails?.Message ?? first?.Exception.Message, clock.Elapsed, matches: true)
                : Describe(host, true, "Ok", active, null, clock.Elapsed, matches: true, deployment);
            reporter.Post(_ => WriteObject(answered));
        }, (host, e) => reporter.Post(_ => WriteObject(Describe(host, e.ErrorId is not (ErrorIds.HostUnreachable or ErrorIds.HostKeyUnknown or ErrorIds.HostKeyChanged or ErrorIds.HostSessionFailed), e.ErrorId, null, e.Message + " " + e.RecommendedAction)))));
    }

    private static FrostHost Describe(FleetHost host, bool reachable, string state, string? version = null, string? message = null, TimeSpan duration = default,
        bool matches = false, FrostDeployment? deployment = null) => new()
    {
        Name = host.Name,
        Address = host.Address,
        Port = host.Port,
        User = host.User,
        Roles = host.Roles,
        ConfigPath = host.ConfigPath,
        Reachable = reachable,
        FrostGuardVersion = string.IsNullOrEmpty(version) ? null : version,
        VersionMatches = matches,
        DockerVersion = deployment?.DockerVersion,
        Project = deployment?.Project,
        ContainersRunning = deployment?.ContainersRunning ?? 0,
        ContainersTotal = deployment?.ContainersTotal ?? 0,
        State = state,
        Message = message,
        Duration = duration,
    };
}
