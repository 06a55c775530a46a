using System.Collections;
using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Hosting;

namespace FrostGuard.Fleet;

/// <summary>
/// A FrostGuard command that can also run on fleet hosts: with -Target it runs, as the
/// controller's own build, on each host the targets name (host names or roles of the inventory),
/// several at once, and writes each host's objects as they arrive, with the host's name on each.
/// A host that cannot be reached is a result (or error) of its own; the others go on.
/// </summary>
public abstract class FleetCmdlet : FrostCmdlet
{
    private static readonly HashSet<string> LocalParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Target", "Inventory", "TargetThrottleLimit", "ConfigPath",
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    };

    /// <summary>The hosts or roles the command runs on; null for this machine.</summary>
    private protected abstract string[]? Targets { get; }

    /// <summary>The fleet's Markdown inventory; default $env:FROSTGUARD_INVENTORY.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Inventory { get; set; }

    /// <summary>How many hosts are asked at once with -Target.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int TargetThrottleLimit { get; set; } = 16;

    private protected bool OnFleet => Targets is { Length: > 0 };

    private protected FleetInventory LoadInventory()
    {
        try
        {
            return FleetInventory.Locate(Inventory, SessionState.Path.CurrentFileSystemLocation.ProviderPath, Environment.GetEnvironmentVariable);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            throw; // not reached
        }
    }

    private protected ControllerModule Controller
    {
        get
        {
            var module = MyInvocation.MyCommand.Module ?? throw new InvalidOperationException("FrostGuard's cmdlets run from the FrostGuard module");
            return ControllerModule.Of(module.ModuleBase, module.Version.ToString());
        }
    }

    /// <summary>
    /// Runs this command, with its own parameters, on every targeted host. <paramref name="write"/>
    /// gets each object (the host's name set) on the pipeline thread; a host that fails as a whole
    /// goes to <paramref name="hostFailed"/> (default: an error record for that host).
    /// </summary>
    private protected void RunOnTargets(Action<object> write, Hashtable? parameters = null, Action<FleetHost, FrostException>? hostFailed = null)
    {
        var inventory = LoadInventory();
        IReadOnlyList<FleetHost> hosts;
        try
        {
            hosts = inventory.Select(Targets);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var forwarded = parameters ?? ForwardedParameters();

        var identity = Controller.Identity;
        var command = MyInvocation.MyCommand.Name;
        hostFailed ??= (_, e) => WriteFrostError(e);
        using var connection = Connect(inventory);
        RunQueued((reporter, ct) => FanOutAsync(hosts, reporter, ct, async (host, token) =>
        {
            var session = await connection.SessionAsync(host, token);
            await RemoteCommand.RunAsync(session, identity, command, forwarded,
                item => reporter.Post(_ => write(item)),
                record => reporter.Post(c => c.WriteError(record)), token);
        }, (host, e) => reporter.Post(_ => hostFailed(host, e))));
    }

    /// <summary>
    /// Writes an object a host sent: the same FrostGuard object, shown by the view that has a
    /// Host column (its type name with "#Fleet").
    /// </summary>
    private protected void WriteFromHost(object item)
    {
        var wrapped = PSObject.AsPSObject(item);
        wrapped.TypeNames.Insert(0, item.GetType().FullName + "#Fleet");
        WriteObject(wrapped);
    }

    /// <summary>The sessions of this command: opened on first use per host, closed when disposed.</summary>
    private protected FleetConnection Connect(FleetInventory inventory) => new(inventory, ConnectTimeout);

    /// <summary>How long opening one host's session may take.</summary>
    private protected virtual TimeSpan ConnectTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="work"/> for each host, at most TargetThrottleLimit at once, with one progress bar.</summary>
    private protected async Task<bool> FanOutAsync(IReadOnlyList<FleetHost> hosts, QueuedReporter reporter, CancellationToken cancellationToken,
        Func<FleetHost, CancellationToken, Task> work, Action<FleetHost, FrostException> failed)
    {
        using var gate = new SemaphoreSlim(TargetThrottleLimit);
        var done = 0;
        var activity = $"{MyInvocation.MyCommand.Name} on {hosts.Count} host(s)";
        reporter.Progress(new ProgressUpdate(41, activity, $"0 of {hosts.Count} done", 0));
        var tasks = hosts.Select(async host =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await work(host, cancellationToken);
            }
            catch (FrostException e)
            {
                failed(host, e);
            }
            finally
            {
                gate.Release();
                var finished = Interlocked.Increment(ref done);
                reporter.Progress(new ProgressUpdate(41, activity, $"{finished} of {hosts.Count} done (last: {host.Name})", finished * 100 / Math.Max(1, hosts.Count)));
            }
        }).ToList();
        await Task.WhenAll(tasks);
        reporter.Progress(new ProgressUpdate(41, activity, "done", 100, Completed: true));
        return true;
    }

    /// <summary>The parameters this command was called with, as the host's command takes them; objects cannot cross.</summary>
    private protected Hashtable ForwardedParameters()
    {
        var forwarded = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in MyInvocation.BoundParameters)
        {
            if (LocalParameters.Contains(name))
            {
                continue;
            }

            var plain = value is PSObject ps ? ps.BaseObject : value;
            forwarded[name] = plain switch
            {
                SwitchParameter s => s.IsPresent,
                string or int or long or double or bool or TimeSpan or DateTime or DateTimeOffset or Enum => plain,
                string[] strings => strings,
                object[] items when items.All(i => (i is PSObject p ? p.BaseObject : i) is string) => items.Select(i => (string)(i is PSObject p ? p.BaseObject : i)).ToArray(),
                _ => Unsupported(name),
            };
        }

        return forwarded;
    }

    private object Unsupported(string name)
    {
        ThrowFrostError(new FrostException(ErrorIds.FleetParameterUnsupported, FailureKind.InvalidData,
            $"-{name} cannot go to fleet hosts with -Target: only text, numbers, switches and lists of text do; nothing ran.", name,
            "Give the host a path or a name instead (for thresholds: the path of a table on the host)."));
        throw new InvalidOperationException("not reached");
    }
}

/// <summary>A FrostGuard command that runs on this machine, or with -Target on fleet hosts.</summary>
public abstract class FleetTargetCmdlet : FleetCmdlet
{
    /// <summary>Fleet hosts or roles (db, app, lb) to run on instead of this machine; see Get-FrostHost.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(FleetTargetCompleter))]
    public string[]? Target { get; set; }

    private protected override string[]? Targets => Target;
}
