using FrostGuard.Engine.Backups.ConfigArchive;

namespace FrostGuard.Engine.Deployments;

/// <summary>What Restore-FrostDeployment asks for.</summary>
public sealed record DeploymentRecoveryRequest
{
    public required FrostBackup Backup { get; init; }
    /// <summary>The new deployment directory: absent or empty.</summary>
    public required string Path { get; init; }
    public required ConfigArchiveKey Key { get; init; }
    public FrostRecoveryMode Mode { get; init; } = FrostRecoveryMode.NewFolder;
    /// <summary>The restored deployment's Compose project name; derived when null (not for a recovery in place).</summary>
    public string? ProjectName { get; init; }
    /// <summary>.env keys to set in the restored copy (another project name, ports or data folder on the new server).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>A FrostGuard configuration for the restored deployment; by default the archived one, pointed at <see cref="Path"/>.</summary>
    public string? TargetConfigPath { get; init; }
    public bool SkipDatabase { get; init; }
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
