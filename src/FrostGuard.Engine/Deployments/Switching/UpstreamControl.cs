using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>
/// The proxy's upstream as a thing an operator (or a fleet's rolling update) reads and sets:
/// which servers it forwards to, switched with the same <see cref="UpstreamSwitch"/> as a slot
/// switch (atomic file, the proxy's own test, reload, an answer from the new servers).
/// </summary>
public static class UpstreamControl
{
    public static FrostUpstream Read(FrostConfig config)
    {
        var proxy = ProxyOf(config);
        var target = UpstreamSwitch.WrittenAt(proxy.UpstreamPath)
                     ?? throw new FrostException(ErrorIds.UpstreamUnreadable, FailureKind.InvalidData,
                         $"{proxy.UpstreamPath} is missing or not an upstream include FrostGuard wrote.", proxy.UpstreamPath,
                         "Write it once with Set-FrostUpstream -Server <host:port>..., or restore it from the deployment's backup.");
        return new FrostUpstream { Upstream = proxy.UpstreamName, Target = target.Name, Servers = target.Servers, Path = proxy.UpstreamPath };
    }

    public static async Task<FrostUpstream> SetAsync(FrostSession session, UpstreamTarget target, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var proxy = ProxyOf(session.Config);
        if (target.Servers.Count == 0)
        {
            throw new FrostException(ErrorIds.UpstreamInvalid, FailureKind.InvalidData, "An upstream needs at least one server: with none, every request would fail.", target.Name,
                "Name at least one server that answers.");
        }

        await new UpstreamSwitch(proxy, new NginxInContainer(session, proxy)).SwitchAsync(target, reporter, cancellationToken).ConfigureAwait(false);
        return new FrostUpstream { Upstream = proxy.UpstreamName, Target = target.Name, Servers = target.Servers, Path = proxy.UpstreamPath };
    }

    private static ProxySection ProxyOf(FrostConfig config) =>
        config.Update.Proxy ?? throw new FrostException(ErrorIds.UpstreamUnreadable, FailureKind.InvalidConfiguration,
            $"{config.SourcePath} has no update.proxy section: FrostGuard does not manage this host's proxy.", config.SourcePath,
            "Add update.proxy (service, upstreamFolder, upstreamFile, upstreamName, internalUrl) to the configuration; docs/configuration.md describes it.");
}
