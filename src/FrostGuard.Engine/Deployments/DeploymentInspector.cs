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
        var servicesTask = new ServiceInventory(_docker, _config.Project.Name, slots: ServiceSlots.Of(_config)).ListAsync(true, cancellationToken);
        var version = await versionTask.ConfigureAwait(false);
        var all = await servicesTask.ConfigureAwait(false);
        var services = all.Where(s => !s.IsIdleSlot).ToList();
        var slots = all.Where(s => s.Slot is not null).OrderBy(s => s.IsIdleSlot)
            .Select(s => $"{s.Slot} {(s.IsIdleSlot ? "idle" : "serving")} {s.Image} {s.State}").ToList();
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
            UpdateStrategy = _config.Update.Strategy,
            Slots = slots,
            ContainersRunning = services.Count(s => s.IsRunning),
            ContainersTotal = services.Count,
            Components = EngineComponents.Versions(),
        };
    }
}
