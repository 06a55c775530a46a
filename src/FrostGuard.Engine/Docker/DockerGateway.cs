using System.Net.Sockets;
using Docker.DotNet;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Docker;

/// <summary>
/// The one way into the Docker Engine API: builds the client for the configured endpoint and
/// turns transport failures into errors that say what to do.
/// </summary>
public sealed class DockerGateway : IDisposable
{
    // Debian 12's docker.io speaks API 1.41; pinning something newer makes it refuse every call.
    private static readonly Version ApiVersion = new(1, 41);

    private readonly string _configPath;

    public DockerGateway(DockerSection settings, string configPath)
    {
        Endpoint = settings.Endpoint;
        _configPath = configPath;
        Client = new DockerClientBuilder()
            .WithEndpoint(new Uri(settings.Endpoint))
            .WithApiVersion(ApiVersion)
            .WithTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds))
            .Build();
    }

    public string Endpoint { get; }

    public IDockerClient Client { get; }

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
                $"Check that dockerd is running (`docker info`) and that docker.endpoint in {_configPath} is right; for the sandbox, ./build.sh sandbox up starts it.", e);
        }
    }

    public void Dispose() => Client.Dispose();

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
