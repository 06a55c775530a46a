using System.Text.RegularExpressions;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Platform.Database;

/// <summary>
/// The running container of the deployment's database service, and the PostgreSQL client tools
/// inside it (pg_dump, pg_restore), whose versions always match the server's image.
/// </summary>
public sealed partial class PostgresContainer
{
    private const string LocateScript = """
        for d in "/usr/lib/postgresql/$1/bin" /usr/local/bin /usr/bin; do
          if [ -x "$d/$2" ]; then echo "$d/$2"; exit 0; fi
        done
        command -v "$2" || exit 127
        """;

    private PostgresContainer(string service, string name, string containerId, ContainerExec exec)
    {
        Service = service;
        Name = name;
        ContainerId = containerId;
        Exec = exec;
    }

    public string Service { get; }
    public string Name { get; }
    public string ContainerId { get; }
    public ContainerExec Exec { get; }

    /// <summary>The running container of the configured database service (FrostSession.FindPostgresAsync).</summary>
    public static async Task<PostgresContainer> FindAsync(FrostConfig config, DockerGateway docker, ServiceInventory services, CancellationToken cancellationToken)
    {
        var service = config.Database.Service;
        var containers = (await services.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(s => s.Service == service).ToList();
        if (containers.Count == 0)
        {
            throw new FrostException(ErrorIds.ServiceNotFound, FailureKind.NotFound,
                $"Project {config.Project.Name} has no container for the database service '{service}'.", service,
                $"Start the deployment (`docker-compose -p {config.Project.Name} up -d` in {config.Project.Directory}), or fix database.service in {config.SourcePath}.");
        }

        var running = containers.FirstOrDefault(c => c.IsRunning)
            ?? throw new FrostException(ErrorIds.DatabaseUnreachable, FailureKind.ConnectionFailed,
                $"The database container {containers[0].Container} is {containers[0].State}, so pg_dump cannot run in it.", service,
                $"Start it: `docker-compose -p {config.Project.Name} start {service}` in {config.Project.Directory}, then Get-FrostService {service}.");
        return new PostgresContainer(service, running.Container, running.ContainerId, new ContainerExec(docker, running.ContainerId, running.Container));
    }

    /// <summary>The path of a client tool for the server's major version, and its version line.</summary>
    public async Task<(string Path, string Version)> LocateToolAsync(string tool, int serverMajor, CancellationToken cancellationToken)
    {
        var (located, path) = await Exec.RunForTextAsync(["/bin/sh", "-c", LocateScript, "locate", serverMajor.ToString(System.Globalization.CultureInfo.InvariantCulture), tool], cancellationToken).ConfigureAwait(false);
        if (!located.Succeeded || path.Length == 0)
        {
            throw new FrostException(ErrorIds.BackupToolMissing, FailureKind.NotFound,
                $"The container {Name} has no {tool} (looked in /usr/lib/postgresql/{serverMajor}/bin, /usr/local/bin, /usr/bin and PATH).", Name,
                $"Use a PostgreSQL image for the '{Service}' service that includes the client tools (the official postgres images do).");
        }

        var (ran, output) = await Exec.RunForTextAsync([path, "--version"], cancellationToken).ConfigureAwait(false);
        var version = VersionPattern().Match(output);
        if (!ran.Succeeded || !version.Success)
        {
            throw new FrostException(ErrorIds.BackupToolMissing, FailureKind.NotFound,
                $"{path} in container {Name} did not report its version (exit {ran.ExitCode}): {ran.StandardError}", Name,
                $"Run `docker exec {Name} {path} --version` to see why.");
        }

        return (path, version.Groups[1].Value);
    }

    public static int Major(string version) =>
        int.Parse(version.Split('.', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\(PostgreSQL\) (\d+(?:\.\d+)*)")]
    private static partial Regex VersionPattern();
}
