using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Deployments;

/// <summary>The configuration as resolved, joined with what the Docker Engine reports for the project.</summary>
public sealed class DeploymentInspector
{
    private readonly FrostConfig _config;
    private readonly DockerGateway _docker;
    private readonly Func<string, string?> _getEnvironment;

    public DeploymentInspector(FrostConfig config, DockerGateway docker, Func<string, string?> getEnvironment)
    {
        _config = config;
        _docker = docker;
        _getEnvironment = getEnvironment;
    }

    public async Task<FrostDeployment> InspectAsync(CancellationToken cancellationToken)
    {
        var versionTask = _docker.CallAsync("read its version", (c, ct) => c.System.GetVersionAsync(ct), cancellationToken);
        var servicesTask = new ServiceInventory(_docker, _config.Project.Name).ListAsync(cancellationToken);
        var version = await versionTask.ConfigureAwait(false);
        var services = await servicesTask.ConfigureAwait(false);
        var db = _config.Database;
        return new FrostDeployment
        {
            Project = _config.Project.Name,
            Directory = _config.Project.Directory,
            ComposeFiles = _config.Project.ComposeFiles.Select(f => Path.GetFullPath(f, _config.Project.Directory)).ToList(),
            ConfigPath = _config.SourcePath,
            DockerEndpoint = _docker.Endpoint,
            DockerVersion = version.Version,
            DockerApiVersion = version.APIVersion,
            Database = $"{db.User}@{db.Host}:{db.Port}/{db.Name} (service {db.Service})",
            BackupRoot = StatePaths.BackupRoot(_config, _getEnvironment),
            StateFolder = StatePaths.StateFolder(_config, _getEnvironment),
            HealthUrl = _config.Health.HealthUrl,
            MetricsUrl = _config.Health.MetricsUrl,
            PrometheusUrl = _config.Health.PrometheusUrl,
            TlsEndpoint = _config.Tls is { } tls ? $"{tls.Domain}:{tls.Port}" : null,
            ManualPath = _config.ManualPath,
            Services = services.Select(s => s.Service).Distinct(StringComparer.Ordinal).ToList(),
            ContainersRunning = services.Count(s => s.IsRunning),
            ContainersTotal = services.Count,
            Components = EngineComponents.Versions(),
        };
    }
}
