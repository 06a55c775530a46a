using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>
/// The one way into the Docker Engine API: builds the client for the configured endpoint and
/// turns transport failures into errors that say what to do.
/// </summary>
public sealed class DockerGateway : IDisposable
{
    // Debian 12's docker.io speaks API 1.41; pinning something newer makes it refuse every call.
    private static readonly System.Version ApiVersion = new(1, 41);

    private readonly string _configPath;
    private readonly Uri _endpoint;

    public DockerGateway(DockerSection settings, string configPath)
    {
        Endpoint = settings.Endpoint;
        _endpoint = new Uri(settings.Endpoint);
        _configPath = configPath;
        Client = new DockerClientBuilder()
            .WithEndpoint(_endpoint)
            .WithApiVersion(ApiVersion)
            .WithTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds))
            .Build();
    }

    public string Endpoint { get; }

    public IDockerClient Client { get; }

    /// <summary>The Engine is reached through a Unix socket, so its container PIDs may be this host's.</summary>
    public bool IsUnixSocket => _endpoint.Scheme == "unix";

    public async Task<T> CallAsync<T>(string what, Func<IDockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(Client, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new FrostException(ErrorIds.DockerRequestFailed, FailureKind.OperationFailed,
                $"The Docker Engine at {Endpoint} refused to {what}: {(int)e.StatusCode} {Trim(e.ResponseBody)}", Endpoint,
                "Read the Engine's answer above; `docker info` shows the daemon's state.", e);
        }
        catch (Exception e) when (IsUnreachable(e, cancellationToken))
        {
            throw new FrostException(ErrorIds.DockerUnreachable, FailureKind.ConnectionFailed,
                $"Cannot reach the Docker Engine at {Endpoint} to {what}: {Innermost(e).Message}", Endpoint,
                $"Check that dockerd is running (`docker info`; start it with the host's service manager, such as `systemctl start docker`) and that docker.endpoint in {_configPath} is right.", e);
        }
    }

    /// <summary>Starts a created exec and returns its attached stream (TTY off).</summary>
    public Task<IAttachedStream> StartExecAsync(string execId, string what, CancellationToken cancellationToken) =>
        OpenAttachedAsync(what, $"/exec/{execId}/start", """{"Detach":false,"Tty":false}""",
            async (c, ct) => await c.Exec.StartContainerExecAsync(execId, new ContainerExecStartParameters { TTY = false, Detach = false }, ct).ConfigureAwait(false),
            cancellationToken);

    /// <summary>Attaches to a created container's stdout and stderr (and stdin when asked) before it starts.</summary>
    public Task<IAttachedStream> AttachContainerAsync(string containerId, bool withInput, string what, CancellationToken cancellationToken) =>
        OpenAttachedAsync(what, $"/containers/{containerId}/attach?stream=1&stdout=1&stderr=1&stdin={(withInput ? 1 : 0)}", "",
            async (c, ct) => await c.Containers.AttachContainerAsync(containerId, new ContainerAttachParameters { Stream = true, Stdin = withInput, Stdout = true, Stderr = true }, ct).ConfigureAwait(false),
            cancellationToken);

    public void Dispose() => Client.Dispose();

    private Task<IAttachedStream> OpenAttachedAsync(string what, string requestPath, string jsonBody,
        Func<IDockerClient, CancellationToken, Task<MultiplexedStream>> throughLibrary, CancellationToken cancellationToken)
    {
        if (IsUnixSocket)
        {
            return CallAsync<IAttachedStream>(what, (_, _) => Task.FromResult<IAttachedStream>(
                UnixSocketAttachedStream.Open(_endpoint.AbsolutePath, $"/v{ApiVersion.Major}.{ApiVersion.Minor}{requestPath}", jsonBody)), cancellationToken);
        }

        return CallAsync<IAttachedStream>(what, async (c, ct) => new LibraryAttachedStream(await throughLibrary(c, ct).ConfigureAwait(false)), cancellationToken);
    }

    private static bool IsUnreachable(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string Trim(string? body) => (body ?? "").Trim().Replace('\n', ' ');
}
