using Docker.DotNet.Models;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>
/// The deployment's nginx in its Compose container: the configuration test is an exec of the
/// configured command inside it, the reload is SIGHUP to its main process through the Docker
/// Engine, and what it serves is asked on its internal listener.
/// </summary>
public sealed class NginxInContainer : IProxyControl, IDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly FrostSession _session;
    private readonly ProxySection _proxy;
    private readonly HttpClient _http;

    public NginxInContainer(FrostSession session, ProxySection proxy)
    {
        _session = session;
        _proxy = proxy;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, AllowAutoRedirect = false }) { Timeout = AskTimeout };
    }

    public async Task<ProxyTest> TestAsync(CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var (result, output) = await new ContainerExec(_session.Docker, container.ContainerId, container.Container).RunForTextAsync(_proxy.TestCommand, cancellationToken).ConfigureAwait(false);
        var text = string.Join('\n', new[] { output, result.StandardError.Trim() }.Where(t => t.Length > 0));
        return new ProxyTest(result.Succeeded, text);
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await _session.Docker.CallAsync($"send SIGHUP to {container.Container} (reload nginx)",
            async (client, ct) =>
            {
                await client.Containers.KillContainerAsync(container.ContainerId, new ContainerKillParameters { Signal = "HUP" }, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ProxyAnswer?> AskAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _proxy.InternalUrl.TrimEnd('/') + _proxy.VerifyPath);
        request.Headers.ConnectionClose = true; // a new connection, so a worker of the reloaded configuration answers
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            return new ProxyAnswer((int)response.StatusCode, Header(response, "X-FrostGuard-Slot"), Header(response, "X-FrostGuard-Upstream"));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null; // the timeout
        }
    }

    private async Task<FrostService> ContainerAsync(CancellationToken cancellationToken)
    {
        var all = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        return all.FirstOrDefault(s => s.ComposeService == _proxy.Service && s.IsRunning)
            ?? throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed,
                $"The proxy service '{_proxy.Service}' of project {_session.Config.Project.Name} has no running container, so it cannot be switched; nothing was switched.",
                _proxy.Service, $"Start it (Start-FrostService -Name {_proxy.Service}) and read its log (Get-FrostLog -Name {_proxy.Service} -Tail 50).");
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}
