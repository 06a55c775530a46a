namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>The outcome of the proxy's own configuration test (nginx -t).</summary>
public sealed record ProxyTest(bool Passed, string Output);

/// <summary>One answer through the proxy: its status and the target that served it (X-FrostGuard-Slot, X-FrostGuard-Upstream).</summary>
public sealed record ProxyAnswer(int Status, string? Target, string? Upstream)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>What a switch asks of the proxy itself; for real <see cref="NginxInContainer"/>, faked in unit tests.</summary>
public interface IProxyControl
{
    /// <summary>Runs the proxy's configuration test against the files as they are now.</summary>
    Task<ProxyTest> TestAsync(CancellationToken cancellationToken);

    /// <summary>Tells the proxy to read its configuration again (nginx: SIGHUP; new workers take new connections, old ones finish theirs).</summary>
    Task ReloadAsync(CancellationToken cancellationToken);

    /// <summary>Asks through the proxy on a new connection; null when it does not answer.</summary>
    Task<ProxyAnswer?> AskAsync(CancellationToken cancellationToken);
}
