using System.Diagnostics;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>
/// Switches what the proxy forwards to, and proves it: the upstream include is written
/// atomically into its bind-mounted folder, the proxy's own test must pass (else the file before
/// is put back and nothing switches), the proxy reloads, and the switch counts only once an
/// answer through the proxy names the new target. One component for the slots of an update and,
/// later, the hosts behind a fleet's load balancer.
/// </summary>
public sealed class UpstreamSwitch
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly ProxySection _proxy;
    private readonly IProxyControl _control;
    private readonly TimeSpan _verifyTimeout;

    public UpstreamSwitch(ProxySection proxy, IProxyControl control, TimeSpan? verifyTimeout = null)
    {
        _proxy = proxy;
        _control = control;
        _verifyTimeout = verifyTimeout ?? TimeSpan.FromSeconds(15);
    }

    public string Path => _proxy.UpstreamPath;

    /// <summary>The target the include names now; null when it is missing or not FrostGuard's.</summary>
    public UpstreamTarget? Written() => WrittenAt(Path);

    /// <summary>The target the include at <paramref name="path"/> names; null when it is missing or not FrostGuard's.</summary>
    public static UpstreamTarget? WrittenAt(string path) => File.Exists(path) ? UpstreamFile.Parse(File.ReadAllText(path)) : null;

    /// <summary>True when the include is exactly what a switch to the target writes (a hand edit naming the same target is not).</summary>
    public bool HoldsExactly(UpstreamTarget target) => File.Exists(Path) && File.ReadAllText(Path) == UpstreamFile.Render(_proxy.UpstreamName, target);

    /// <summary>What the proxy answers now, on a new connection.</summary>
    public Task<ProxyAnswer?> ServedAsync(CancellationToken cancellationToken) => _control.AskAsync(cancellationToken);

    public async Task SwitchAsync(UpstreamTarget target, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var before = File.Exists(Path) ? File.ReadAllText(Path) : null;
        var text = UpstreamFile.Render(_proxy.UpstreamName, target);
        if (before != text)
        {
            Directory.CreateDirectory(_proxy.UpstreamFolder);
            AtomicFile.Write(Path, text, Mode);
            reporter.Verbose($"{Path}: {target}");
        }

        CrashPoints.Reach(CrashPoints.SwitchUpstreamWritten);
        var test = await _control.TestAsync(cancellationToken).ConfigureAwait(false);
        if (!test.Passed)
        {
            PutBack(before);
            throw new FrostException(ErrorIds.ProxyConfigRejected, FailureKind.InvalidData,
                $"The proxy's configuration test ({string.Join(' ', _proxy.TestCommand)}) refused the upstream for {target}: {test.Output.Trim()}. The file before was put back and the proxy was not reloaded: nothing switched.",
                Path, $"Check the proxy's configuration includes {Path} inside its http block and that the servers are valid; run `{string.Join(' ', _proxy.TestCommand)}` in the proxy's container.");
        }

        await _control.ReloadAsync(cancellationToken).ConfigureAwait(false);
        await VerifyAsync(target, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until an answer through the proxy names the target: a new connection reached a worker of the new configuration (the slot's health was checked before).</summary>
    public async Task VerifyAsync(UpstreamTarget target, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        ProxyAnswer? last = null;
        while (true)
        {
            last = await _control.AskAsync(cancellationToken).ConfigureAwait(false);
            if (last is not null && last.Target == target.Name)
            {
                // The header is the proxy's own; the answer and its upstream prove the target served it.
                if (last.Succeeded && Served(last, target))
                {
                    reporter.Verbose($"the proxy serves {target.Name} ({last.Upstream}) after {clock.Elapsed.TotalMilliseconds:0} ms");
                    return;
                }

                throw new FrostException(ErrorIds.ProxySwitchNotVerified, FailureKind.OperationFailed,
                    $"The proxy switched to {target} but {_proxy.InternalUrl}{_proxy.VerifyPath} answered status {last.Status} from {last.Upstream ?? "no upstream"}: the target does not serve through the proxy.",
                    _proxy.InternalUrl, $"Check that {string.Join(", ", target.Servers)} is where the target listens (update.slots in the configuration, the ports in the .env); read the proxy's log with Get-FrostLog -Name {_proxy.Service} -Tail 50.");
            }

            if (clock.Elapsed > _verifyTimeout)
            {
                var answered = last is null ? "no answer" : $"status {last.Status} from {last.Target ?? "no X-FrostGuard-Slot header"} ({last.Upstream ?? "no upstream"})";
                throw new FrostException(ErrorIds.ProxySwitchNotVerified, FailureKind.OperationFailed,
                    $"The proxy was reloaded to serve {target} but within {_verifyTimeout.TotalSeconds:0} s {_proxy.InternalUrl}{_proxy.VerifyPath} gave {answered}.",
                    _proxy.InternalUrl, $"Check that the proxy's configuration sends X-FrostGuard-Slot ($frostguard_slot) and includes {Path}; read its log with Get-FrostLog -Name {_proxy.Service} -Tail 50.");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>nginx's $upstream_addr lists every server it tried, comma-separated.</summary>
    private static bool Served(ProxyAnswer answer, UpstreamTarget target) =>
        answer.Upstream is { } upstream && upstream.Split(',', StringSplitOptions.TrimEntries).Any(target.Servers.Contains);

    private void PutBack(string? before)
    {
        if (before is null)
        {
            File.Delete(Path);
        }
        else
        {
            AtomicFile.Write(Path, before, Mode);
        }
    }

    /// <summary>The proxy runs as its own uid and only reads the include; it holds no secret.</summary>
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
}
