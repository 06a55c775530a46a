using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Fleet;

namespace FrostGuard;

/// <summary>
/// Installs this controller's FrostGuard build on fleet hosts over their SSH sessions: each build
/// in a folder of its own, named by version and content hash (a DLL a running pwsh has loaded is
/// never overwritten), made current by one rename. -WhatIf shows what would be copied where.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "FrostModule", SupportsShouldProcess = true)]
[OutputType(typeof(FrostModuleInstall))]
public sealed class InstallFrostModuleCommand : FleetCmdlet
{
    /// <summary>The hosts or roles (db, app, lb) to install on.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(FleetTargetCompleter))]
    public string[] Target { get; set; } = [];

    private protected override string[]? Targets => Target;

    protected override void EndProcessing()
    {
        var inventory = LoadInventory();
        IReadOnlyList<FleetHost> hosts;
        try
        {
            hosts = inventory.Select(Target);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var controller = Controller;
        var (files, bytes) = controller.Size();
        using var connection = Connect(inventory);

        // What each host has now, asked at once; then every decision on the pipeline thread.
        var found = new Dictionary<string, (string Active, string Root)>(StringComparer.OrdinalIgnoreCase);
        RunQueued((reporter, ct) => FanOutAsync(hosts, reporter, ct, async (host, token) =>
        {
            var session = await connection.SessionAsync(host, token);
            PSObject? probe = null;
            await session.InvokeAsync(RemoteScripts.Probe, new Hashtable(), o => probe = o, token);
            var active = probe?.Properties["Active"]?.Value as string ?? "";
            var root = probe?.Properties["Root"]?.Value as string ?? "";
            lock (found)
            {
                found[host.Name] = (active, root);
            }
        }, (host, e) => reporter.Post(_ => WriteFrostError(e))));

        var chosen = new List<FleetHost>();
        foreach (var host in hosts.Where(h => found.ContainsKey(h.Name)))
        {
            var (active, root) = found[host.Name];
            if (active == controller.Identity)
            {
                WriteObject(new FrostModuleInstall
                {
                    Host = host.Name, Version = active, Previous = active, Action = FrostModuleInstallAction.UpToDate,
                    Path = $"{root}/{active}",
                });
                continue;
            }

            var now = active.Length == 0 ? "none installed" : $"now {active}";
            if (ShouldProcess($"{host.Name}: {root}/{controller.Identity} ({now})",
                    $"Install FrostGuard {controller.Identity} ({files} files, {bytes / 1048576.0:F1} MiB) and make it current"))
            {
                chosen.Add(host);
            }
        }

        if (chosen.Count == 0)
        {
            return;
        }

        var package = controller.Package;
        if (ModuleIdentity.Of(controller.Folder, controller.Identity.Split('+')[0]) != controller.Identity)
        {
            ThrowFrostError(new FrostException(ErrorIds.ModuleInstallFailed, FailureKind.OperationFailed,
                $"The module files in {controller.Folder} changed since this pwsh loaded them (a rebuild?): they are no longer build {controller.Identity}, and would be installed under that name. Nothing was copied.",
                controller.Folder, "Start a new pwsh, import FrostGuard again, and install from there."));
        }

        RunQueued((reporter, ct) => FanOutAsync(chosen, reporter, ct, async (host, token) =>
        {
            var clock = Stopwatch.StartNew();
            var session = await connection.SessionAsync(host, token);
            PSObject? result = null;
            IReadOnlyList<ErrorRecord> errors;
            try
            {
                errors = await session.InvokeAsync(RemoteScripts.Install,
                    new Hashtable { ["Identity"] = controller.Identity, ["Package"] = package.Zip, ["Sha256"] = package.Sha256 },
                    o => result = o, token);
            }
            catch (RuntimeException e) when (e is not PipelineStoppedException)
            {
                throw InstallFailed(host, found[host.Name].Active, e.Message, e);
            }

            if (result is null)
            {
                throw InstallFailed(host, found[host.Name].Active, errors.FirstOrDefault()?.Exception.Message ?? "the host gave no answer", null);
            }

            connection.Discard(host);
            var previous = result.Properties["Previous"]?.Value as string;
            var install = new FrostModuleInstall
            {
                Host = host.Name,
                Version = controller.Identity,
                Previous = string.IsNullOrEmpty(previous) ? null : previous,
                Action = result.Properties["Copied"]?.Value is true ? FrostModuleInstallAction.Installed : FrostModuleInstallAction.Activated,
                Path = result.Properties["Path"]?.Value as string ?? "",
                Files = package.Files,
                Bytes = package.Bytes,
                Duration = clock.Elapsed,
            };
            reporter.Post(_ => WriteObject(install));
        }, (host, e) => reporter.Post(_ => WriteFrostError(e))));
    }

    private static FrostException InstallFailed(FleetHost host, string previous, string message, Exception? inner) =>
        new(ErrorIds.ModuleInstallFailed, FailureKind.OperationFailed,
            $"Installing FrostGuard on host {host.Name} failed: {message}. {(previous.Length == 0 ? "No build was current there before, and none is now." : $"Its build {previous} stays current.")}", host.Name,
            $"Read the message; free space or fix permissions on {host.Name}, then Install-FrostModule -Target {host.Name} again.", inner ?? new InvalidOperationException(message));
}
