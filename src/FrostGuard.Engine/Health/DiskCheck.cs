using Docker.DotNet.Models;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Usage of the filesystems holding the Docker data root, the database's data directory (the
/// host side of the database container's data mount) and the backup root, as `df` counts it:
/// used / (used + available to unprivileged users).
/// </summary>
public sealed class DiskCheck : IHealthCheck
{
    public const string CheckName = "Disk";

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var session = context.RequireSession();
        var info = await session.Docker.CallAsync("read the Docker data root", (c, ct) => c.System.GetSystemInfoAsync(ct), cancellationToken).ConfigureAwait(false);
        var dataDirectory = await DatabaseDataDirectoryAsync(context, cancellationToken).ConfigureAwait(false);
        var backupRoot = Configuration.StatePaths.BackupRoot(context.Config, Environment.GetEnvironmentVariable);

        var results = new List<FrostHealthResult>
        {
            Judge(context, "docker data root", info.DockerRootDir, started),
            dataDirectory is null
                ? context.Result(CheckName, "database data", HealthStatus.Unknown,
                    $"The '{context.Config.Database.Service}' container has no data mount under /var/lib/postgresql, so its data directory's filesystem is unknown.",
                    context.Thresholds.Describe(MetricKeys.Disk), duration: context.Clock.GetElapsedTime(started))
                : Judge(context, "database data", dataDirectory, started),
            Judge(context, "backup root", backupRoot, started),
        };
        return results;
    }

    private static FrostHealthResult Judge(HealthContext context, string role, string path, long started)
    {
        if (!Directory.Exists(path))
        {
            return context.Result(CheckName, path, HealthStatus.Unknown, $"The {role} {path} does not exist (yet), so there is no filesystem to judge.",
                context.Thresholds.Describe(MetricKeys.Disk), duration: context.Clock.GetElapsedTime(started));
        }

        var usage = FilesystemUsage.Of(path);
        return context.Judge(CheckName, path, MetricKeys.Disk, usage.UsedPercent,
            $"{role}: filesystem {usage.MountPoint} {usage.UsedBytes / 1073741824.0:F1} of {(usage.UsedBytes + usage.AvailableBytes) / 1073741824.0:F1} GiB used,", started);
    }

    private static async Task<string?> DatabaseDataDirectoryAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var session = context.RequireSession();
        var services = await context.ServicesAsync(cancellationToken).ConfigureAwait(false);
        var database = services.FirstOrDefault(s => s.Service == context.Config.Database.Service);
        if (database is null)
        {
            return null;
        }

        ContainerInspectResponse inspected = await session.Docker.CallAsync($"inspect {database.Container}",
            (c, ct) => c.Containers.InspectContainerAsync(database.ContainerId, ct), cancellationToken).ConfigureAwait(false);
        return inspected.Mounts?
            .Where(m => m.Destination.StartsWith("/var/lib/postgresql", StringComparison.Ordinal) && !string.IsNullOrEmpty(m.Source))
            .OrderByDescending(m => m.Destination.Length)
            .Select(m => m.Source)
            .FirstOrDefault();
    }
}
