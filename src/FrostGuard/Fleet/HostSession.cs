using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;

namespace FrostGuard.Fleet;

/// <summary>
/// One open PowerShell remoting session to a fleet host over SSH, opened by PowerShell's own
/// New-PSSession (PowerShell's transport; FrostGuard writes none), and the scripts run in it.
/// </summary>
internal sealed class HostSession : IDisposable
{
    private readonly Runspace _local;

    private HostSession(FleetHost host, PSSession session, Runspace local)
    {
        Host = host;
        Session = session;
        _local = local;
    }

    public FleetHost Host { get; }

    /// <summary>The PSSession itself, for cmdlets that take one (Copy-Item -ToSession).</summary>
    public PSSession Session { get; }

    /// <summary>
    /// Opens the session; null and the ssh error when it did not open. New-PSSession runs in a
    /// local runspace of the session's own, kept as long as the session: a PSSession belongs to
    /// the runspace that created it and closes with it (a shared pool would close idle ones).
    /// </summary>
    public static async Task<(HostSession? Session, string? Error)> OpenAsync(FleetHost host, string knownHostsFile, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var local = RunspaceFactory.CreateRunspace();
        local.Open();
        using var shell = PowerShell.Create();
        shell.Runspace = local;
        var options = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in SshOptions.For(knownHostsFile, connectTimeout))
        {
            options[name] = value;
        }

        shell.AddCommand("New-PSSession")
            .AddParameter("HostName", host.Address)
            .AddParameter("Port", host.Port)
            .AddParameter("UserName", host.User)
            .AddParameter("KeyFilePath", host.KeyFile)
            .AddParameter("Name", host.Name)
            .AddParameter("ConnectingTimeout", (int)connectTimeout.TotalMilliseconds)
            .AddParameter("Options", options);
        using var stop = cancellationToken.Register(() => shell.BeginStop(null, null));
        PSDataCollection<PSObject> output;
        try
        {
            output = await Task.Factory.FromAsync(shell.BeginInvoke(), shell.EndInvoke);
        }
        catch (RuntimeException e)
        {
            local.Dispose();
            return (null, e.Message);
        }
        catch (OperationCanceledException)
        {
            local.Dispose();
            throw;
        }

        if (output.Count == 1 && output[0].BaseObject is PSSession session && !cancellationToken.IsCancellationRequested)
        {
            return (new HostSession(host, session, local), null);
        }

        var error = shell.Streams.Error.Count > 0 ? shell.Streams.Error[0].Exception.Message : "New-PSSession returned no session";
        local.Dispose();
        cancellationToken.ThrowIfCancellationRequested();
        return (null, error);
    }

    /// <summary>
    /// Runs a script on the host. Output objects go to <paramref name="output"/> as they arrive;
    /// the host's non-terminating errors are returned; a terminating one throws (RuntimeException).
    /// </summary>
    public async Task<IReadOnlyList<ErrorRecord>> InvokeAsync(string script, IDictionary parameters, Action<PSObject> output, CancellationToken cancellationToken)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = Session.Runspace;
        shell.AddScript(script).AddParameters(parameters);
        using var results = new PSDataCollection<PSObject>();
        results.DataAdded += (_, e) => output(results[e.Index]);
        using var stop = cancellationToken.Register(() => shell.BeginStop(null, null));
        using var input = new PSDataCollection<PSObject>();
        input.Complete();
        try
        {
            await Task.Factory.FromAsync(shell.BeginInvoke(input, results), shell.EndInvoke);
        }
        catch (Exception e) when (e is PSRemotingTransportException or InvalidRunspaceStateException or PSInvalidOperationException or ObjectDisposedException)
        {
            throw new FrostException(ErrorIds.HostUnreachable, FailureKind.ConnectionFailed,
                $"The session to host {Host.Name} ({Host.Address}:{Host.Port}) broke: {e.Message}", Host.Name,
                $"Check the host; Get-FrostHost -Name {Host.Name} opens a new session.", e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return shell.Streams.Error.ToList();
    }

    public void Dispose()
    {
        try
        {
            Session.Runspace.Dispose();
        }
        catch (Exception e) when (e is PSInvalidOperationException or InvalidRunspaceStateException or ObjectDisposedException)
        {
            // The session was already broken (the host went away); there is nothing left to close.
        }

        _local.Dispose();
    }
}
