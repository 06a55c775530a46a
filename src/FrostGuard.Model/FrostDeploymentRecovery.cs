namespace FrostGuard;

/// <summary>How Restore-FrostDeployment recovers a deployment.</summary>
public enum FrostRecoveryMode
{
    /// <summary>Into a new folder beside whatever runs: another project name, ports, data folder, backup root and endpoints; it stays up.</summary>
    NewFolder,
    /// <summary>As NewFolder, then verified, measured and removed again: the monthly drill.</summary>
    Drill,
    /// <summary>After a disaster, with the archived names, ports and paths: only when nothing of the old project runs.</summary>
    InPlace,
}

/// <summary>One thing a recovery changed so that it does not touch what runs already, or kept and why.</summary>
public sealed class FrostRecoveryIsolation
{
    /// <summary>What it is: "project", an .env key (PG_PORT, PG_DATA), or a key of frostguard.json (health.healthUrl).</summary>
    public required string Item { get; init; }
    /// <summary>The archived value (never a secret: ports, names, paths and URLs only).</summary>
    public string? From { get; init; }
    public string? To { get; init; }
    public required string Reason { get; init; }

    public override string ToString() => $"{Item}: {From} -> {To} ({Reason})";
}

/// <summary>What Restore-FrostDeployment brought back, how long each part took, and the health afterwards.</summary>
public sealed class FrostDeploymentRecovery
{
    public required string BackupId { get; init; }
    public FrostRecoveryMode Mode { get; init; }
    public required string Project { get; init; }
    /// <summary>The restored deployment directory (removed again after a drill).</summary>
    public required string Path { get; init; }
    /// <summary>The FrostGuard configuration that points at the restored deployment.</summary>
    public required string ConfigPath { get; init; }
    /// <summary>Where the recovery keeps what is not the deployment's own files: its backups, state and fresh data folders.</summary>
    public string? RecoveryHome { get; init; }
    public required IReadOnlyList<string> FilesRestored { get; init; }
    /// <summary>The .env keys set by -Environment (names only: values may be secrets).</summary>
    public required IReadOnlyList<string> EnvironmentKeysSet { get; init; }
    /// <summary>Every name, port, path and endpoint the recovery changed so that it touches nothing that runs already.</summary>
    public IReadOnlyList<FrostRecoveryIsolation> Isolation { get; init; } = [];
    public FrostRestore? DatabaseRestore { get; init; }
    public required IReadOnlyList<FrostHealthResult> Health { get; init; }
    public TimeSpan ConfigurationDuration { get; init; }
    public TimeSpan StartDuration { get; init; }
    public TimeSpan DatabaseDuration { get; init; }
    /// <summary>From the start of the command until the restored deployment was healthy: the measured full-recovery time.</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>A drill: its containers, folder and data were removed after it was measured.</summary>
    public bool RemovedAfterDrill { get; init; }

    public override string ToString() => $"{Project} from {BackupId} in {Duration.TotalSeconds:F0} s";
}
