namespace FrostGuard;

/// <summary>Which command a <see cref="FrostUpdateResult"/> reports on.</summary>
public enum FrostUpdateAction
{
    /// <summary>Update-FrostDeployment.</summary>
    Update,
    /// <summary>Undo-FrostDeployment.</summary>
    Undo,
}

/// <summary>What Update-FrostDeployment or Undo-FrostDeployment did, with the downtime it measured.</summary>
public sealed class FrostUpdateResult
{
    /// <summary>The fleet host this came from (-Target); empty on the host itself.</summary>
    public string? Host { get; init; }
    public required string Project { get; init; }
    /// <summary>Update or Undo.</summary>
    public required FrostUpdateAction Action { get; init; }
    public bool Succeeded { get; init; }
    public bool RolledBack { get; init; }
    /// <summary>The release the deployment ran before.</summary>
    public string? FromRelease { get; init; }
    /// <summary>The release applied (on failure, the one that was rolled back).</summary>
    public string? ToRelease { get; init; }
    /// <summary>The release the deployment runs now.</summary>
    public string? CurrentRelease { get; init; }
    public string? Version { get; init; }
    public IReadOnlyList<string> Services { get; init; } = [];
    /// <summary>The pre-update backup (null with -SkipBackup), or the backup restored by Undo -RestoreDatabase.</summary>
    public string? BackupId { get; init; }
    /// <summary>Why the update failed; null when it succeeded.</summary>
    public string? Failure { get; init; }
    /// <summary>Time the health URL did not answer 200 during the whole command (probed every 200 ms).</summary>
    public TimeSpan Downtime { get; init; }
    /// <summary>From the start of the rollback until the health URL answered 200 again.</summary>
    public TimeSpan? RollbackDowntime { get; init; }
    /// <summary>From the start of the rollback until the deployment was verified healthy again.</summary>
    public TimeSpan? RollbackDuration { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>The backend slot serving after the command (blue, green), in a deployment with slots.</summary>
    public string? ServingSlot { get; init; }
    /// <summary>True when the proxy was switched to another slot; a failed blue-green update never switches.</summary>
    public bool Switched { get; init; }
    /// <summary>The health results of the final verification.</summary>
    public IReadOnlyList<FrostHealthResult> Health { get; init; } = [];

    public override string ToString() =>
        $"{Action} {(Succeeded ? "succeeded" : RolledBack ? "failed and was rolled back" : "failed")}: {CurrentRelease}, downtime {Downtime.TotalSeconds:0.0} s";
}
