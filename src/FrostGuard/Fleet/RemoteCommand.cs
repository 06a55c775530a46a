using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Text.Json;
using FrostGuard.Engine;
using FrostGuard.Hosting;

namespace FrostGuard.Fleet;

/// <summary>
/// Runs one FrostGuard command on a host, as the controller's own build, with the host's own
/// configuration (the inventory's ConfigPath) when it names one: each object it writes
/// comes back as the same FrostGuard type with <c>Host</c> set; each error the host writes comes
/// back as an error record of the same id, its message prefixed by the host's name.
/// </summary>
internal static class RemoteCommand
{
    public static async Task RunAsync(HostSession session, string identity, string command, Hashtable parameters,
        Action<object> emit, Action<ErrorRecord> error, CancellationToken cancellationToken)
    {
        var host = session.Host;
        PSObject? probe = null;
        FrostException? unreadable = null;
        var forwarded = (Hashtable)parameters.Clone();
        if (host.ConfigPath is { } configPath)
        {
            forwarded["ConfigPath"] = configPath;
        }

        var arguments = new Hashtable { ["Identity"] = identity, ["Command"] = command, ["Parameters"] = forwarded };
        IReadOnlyList<ErrorRecord> errors;
        try
        {
            // This runs on the session's reader thread: nothing may escape it (PowerShell would break the session).
            errors = await session.InvokeAsync(RemoteScripts.Run, arguments, item =>
            {
                if (item.BaseObject is string packed)
                {
                    try
                    {
                        emit(Unpack(packed, host.Name));
                    }
                    catch (FrostException e)
                    {
                        unreadable ??= e;
                    }
                }
                else if (item.Properties[RemoteScripts.ProbeMarker] is not null)
                {
                    probe = item;
                }
            }, cancellationToken);
        }
        catch (RuntimeException e) when (e is not PipelineStoppedException and not PSRemotingTransportException)
        {
            throw Failed(host.Name, command, e.ErrorRecord?.FullyQualifiedErrorId, e.Message, e.ErrorRecord?.ErrorDetails?.RecommendedAction, e);
        }

        if (probe is not null)
        {
            throw OtherBuild(host.Name, identity, probe);
        }

        if (unreadable is not null)
        {
            throw unreadable;
        }

        foreach (var record in errors)
        {
            error(FromHost(host.Name, record));
        }
    }

    /// <summary>HostModuleMissing or HostVersionMismatch for what the probe found.</summary>
    public static FrostException OtherBuild(string host, string identity, PSObject probe)
    {
        var active = probe.Properties["Active"]?.Value as string;
        var root = probe.Properties["Root"]?.Value as string;
        if (string.IsNullOrEmpty(active))
        {
            return new FrostException(ErrorIds.HostModuleMissing, FailureKind.NotFound,
                $"FrostGuard is not installed on host {host} (no build is current in {root}); nothing ran there.", host,
                $"Install-FrostModule -Target {host}");
        }

        return new FrostException(ErrorIds.HostVersionMismatch, FailureKind.OperationFailed,
            $"Host {host} runs FrostGuard {active}, this controller runs {identity}; nothing ran there.", host,
            $"Install-FrostModule -Target {host} installs this controller's build (-WhatIf shows what would be copied).");
    }

    /// <summary>A record the host wrote, as the controller writes it: same id and category, the host's name first.</summary>
    public static ErrorRecord FromHost(string host, ErrorRecord record)
    {
        var id = record.FullyQualifiedErrorId?.Split(',')[0] is { Length: > 0 } first ? first : ErrorIds.HostCommandFailed;
        var message = record.ErrorDetails?.Message is { Length: > 0 } details ? details : record.Exception.Message;
        return FrostErrors.Create(new RemoteHostException($"[{host}] {message}", record.Exception), id, record.CategoryInfo.Category, host, record.ErrorDetails?.RecommendedAction ?? "");
    }

    private static object Unpack(string packed, string host)
    {
        try
        {
            return FleetTransport.Unpack(packed, host);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw Failed(host, "(result)", null, $"its answer could not be read: {e.Message}", null, e);
        }
    }

    private static FrostException Failed(string host, string command, string? remoteId, string message, string? action, Exception inner) =>
        new(ErrorIds.HostCommandFailed, FailureKind.OperationFailed,
            $"[{host}] {command} failed{(remoteId is null ? "" : $" ({remoteId.Split(',')[0]})")}: {message}", host,
            action is { Length: > 0 } ? action : $"Run {command} on {host} itself for detail (Enter-PSSession), or read the message above.", inner);
}

/// <summary>An error that happened on a fleet host; its message starts with the host's name.</summary>
public sealed class RemoteHostException(string message, Exception inner) : Exception(message, inner);
