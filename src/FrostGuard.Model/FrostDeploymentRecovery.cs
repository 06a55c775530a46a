namespace FrostGuard;

/// <summary>What Restore-FrostDeployment brought back, how long each part took, and the health afterwards.</summary>
public sealed class FrostDeploymentRecovery
{
    public required string BackupId { get; init; }
    public required string Project { get; init; }
    /// <summary>The restored deployment directory.</summary>
    public required string Path { get; init; }
    /// <summary>The FrostGuard configuration that points at the restored deployment.</summary>
    public required string ConfigPath { get; init; }
    public required IReadOnlyList<string> FilesRestored { get; init; }
    /// <summary>The .env keys set by -Environment (names only: values may be secrets).</summary>
    public required IReadOnlyList<string> EnvironmentKeysSet { get; init; }
    public FrostRestore? DatabaseRestore { get; init; }
    public required IReadOnlyList<FrostHealthResult> Health { get; init; }
    public TimeSpan ConfigurationDuration { get; init; }
    public TimeSpan StartDuration { get; init; }
    public TimeSpan DatabaseDuration { get; init; }
    /// <summary>From the start of the command until the restored deployment was healthy: the measured full-recovery time.</summary>
    public TimeSpan Duration { get; init; }

    public override string ToString() => $"{Project} from {BackupId} in {Duration.TotalSeconds:F0} s";
}
