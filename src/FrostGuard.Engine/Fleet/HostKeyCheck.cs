using System.Net.Sockets;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Fleet;

/// <summary>
/// Whether a host will be refused, and why, in words an operator can act on: is the port
/// answering, does the known-hosts file know the host, and does the key the host offers
/// (ssh-keyscan) match what it knows? ssh itself still decides (StrictHostKeyChecking=yes); this
/// runs before a new session and again after a refused one, because ssh tells only the console
/// why, and because PowerShell 7.6's SSH transport can take the whole pwsh down when its ssh
/// exits during the handshake (a broken-pipe IOException on its error thread): a host that would
/// be refused is better never handed to it.
/// </summary>
public static class HostKeyCheck
{
    /// <summary>The session opened by ssh failed although <see cref="RefusalAsync"/> found nothing: the login or the subsystem.</summary>
    public static FrostException SessionFailed(FleetHost host, string sessionError) =>
        new(ErrorIds.HostSessionFailed, FailureKind.AuthenticationFailed,
            $"The session to host {host.Name} ({host.User}@{host.Address}:{host.Port}) did not open although its host key is trusted: {sessionError}", host.Name,
            $"Check that the public key of {host.KeyFile} is in {host.User}'s authorized_keys on {host.Name}, and that its sshd_config has 'Subsystem powershell <path of pwsh> -sshs -NoLogo'.");

    /// <summary>Why ssh would refuse the host (unreachable, key unknown, key changed); null when it would not.</summary>
    public static async Task<FrostException?> RefusalAsync(FleetHost host, string knownHostsFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (await CannotConnectAsync(host, timeout, cancellationToken) is { } unreachable)
        {
            return new FrostException(ErrorIds.HostUnreachable, FailureKind.ConnectionFailed,
                $"Host {host.Name} is unreachable: nothing answers at {host.Address}:{host.Port} ({unreachable}).", host.Name,
                $"Check that the host is up and its sshd listens on port {host.Port} (inventory line {host.Line}); Get-FrostHost shows every host's state.");
        }

        if (!File.Exists(knownHostsFile))
        {
            return new FrostException(ErrorIds.HostKeyUnknown, FailureKind.AuthenticationFailed,
                $"Host {host.Name} was refused: the known-hosts file {knownHostsFile} does not exist, so no host key is trusted.", host.Name,
                $"Create it with each host's key, verified out of band (ssh-keyscan -p {host.Port} {host.Address}, compared with the host's own ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).");
        }

        var known = await RunAsync("ssh-keygen", ["-F", host.KnownHostsName, "-f", knownHostsFile], timeout, cancellationToken);
        var offered = await RunAsync("ssh-keyscan", ["-p", host.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-T", Math.Max(1, (int)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), host.Address], timeout + TimeSpan.FromSeconds(2), cancellationToken);
        var offeredKeys = offered.Succeeded ? KnownHostKey.ParseLines(offered.StandardOutput) : [];
        var offeredText = offeredKeys.Count == 0 ? "(ssh-keyscan read no key)" : string.Join(", ", offeredKeys);

        var knownKeys = known.ExitCode == 0 ? KnownHostKey.ParseLines(known.StandardOutput) : [];
        if (knownKeys.Count == 0)
        {
            return new FrostException(ErrorIds.HostKeyUnknown, FailureKind.AuthenticationFailed,
                $"Host {host.Name} was refused: {knownHostsFile} has no key for {host.KnownHostsName}; the host offers {offeredText}. FrostGuard never trusts a new host key on its own.", host.Name,
                $"Verify the fingerprint on the host itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add the key to {knownHostsFile} (ssh-keyscan -p {host.Port} {host.Address} >> {knownHostsFile}).");
        }

        if (offeredKeys.Count > 0 && !offeredKeys.Any(o => knownKeys.Any(k => k.Type == o.Type && k.Blob == o.Blob)))
        {
            return new FrostException(ErrorIds.HostKeyChanged, FailureKind.AuthenticationFailed,
                $"Host {host.Name} was refused: its host key CHANGED. {knownHostsFile} knows {string.Join(", ", knownKeys)} for {host.KnownHostsName}; the host now offers {offeredText}. This is what a man-in-the-middle looks like, and also what a reinstalled host looks like.", host.Name,
                $"Find out why the key changed before anything else. Only if the change is expected: ssh-keygen -R '{host.KnownHostsName}' -f {knownHostsFile}, then add the new key after verifying its fingerprint on the host.");
        }

        return null;
    }

    private static async Task<string?> CannotConnectAsync(FleetHost host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(host.Address, host.Port, limit.Token);
            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:F0} s";
        }
    }

    private static Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(new ProcessRequest(tool, arguments) { Timeout = timeout }, cancellationToken);
}
