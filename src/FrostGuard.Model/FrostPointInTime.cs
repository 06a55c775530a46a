namespace FrostGuard;

/// <summary>What a recovery drill to a point (Test-FrostBackup -PointInTime) found.</summary>
public sealed class FrostRecoveryDrill
{
    /// <summary>The target as asked: a time, a restore point, or the latest archived WAL.</summary>
    public required string Target { get; init; }
    /// <summary>The base backup the recovery started from.</summary>
    public required string BaseBackupId { get; init; }
    /// <summary>The last WAL location replayed, and the timeline the recovered copy continued on.</summary>
    public string? ReplayedLsn { get; init; }
    public uint Timeline { get; init; }
    /// <summary>From the start to the copy promoted (extraction and WAL replay): the measured recovery time.</summary>
    public TimeSpan RecoveryDuration { get; init; }
    /// <summary>The checked table and its timestamp column (written by the writer with clock_timestamp()), when given.</summary>
    public string? VerifiedTable { get; init; }
    /// <summary>The newest row the live database committed before the target: its key and time.</summary>
    public string? RowBefore { get; init; }
    /// <summary>True when that row is in the recovered copy.</summary>
    public bool? RowBeforePresent { get; init; }
    /// <summary>The oldest row the live database committed after the target: its key and time; empty when none was committed yet.</summary>
    public string? RowAfter { get; init; }
    /// <summary>True when that row is not in the recovered copy.</summary>
    public bool? RowAfterAbsent { get; init; }
    /// <summary>The newest timestamp of the checked table in the recovered copy.</summary>
    public DateTimeOffset? NewestInCopy { get; init; }
    public bool Passed { get; init; }

    public override string ToString() => $"{Target} from {BaseBackupId}: {(Passed ? "passed" : "FAILED")}";
}

/// <summary>What Restore-FrostBackup -PointInTime / -Latest / -RestorePoint did.</summary>
public sealed class FrostPointInTimeRestore
{
    public required string Target { get; init; }
    public required string BaseBackupId { get; init; }
    /// <summary>The first WAL segment replayed (the base backup's start).</summary>
    public required string FirstSegment { get; init; }
    public string? ReplayedLsn { get; init; }
    /// <summary>The timeline the database continues on (a new one: the recovery promoted).</summary>
    public uint Timeline { get; init; }
    /// <summary>The data folder the database now runs on.</summary>
    public required string DataFolder { get; init; }
    /// <summary>The data folder as it was before, kept until the operator removes it.</summary>
    public required string PreviousDataFolder { get; init; }
    /// <summary>Extraction and WAL replay.</summary>
    public TimeSpan RecoveryDuration { get; init; }
    /// <summary>From the start to the services healthy again: the measured RTO.</summary>
    public TimeSpan TotalDuration { get; init; }
    /// <summary>How long writers were stopped (the downtime).</summary>
    public TimeSpan Downtime { get; init; }
    public required IReadOnlyList<string> ServicesRestarted { get; init; }
    /// <summary>True when the WAL archive's slot was created again (archiving was on).</summary>
    public bool ArchiveSlotRecreated { get; init; }

    public override string ToString() => $"{Target} from {BaseBackupId}";
}

/// <summary>A named restore point (Invoke-FrostBackup -RestorePoint): a WAL location recovery can stop at by name.</summary>
public sealed class FrostRestorePoint
{
    public required string Name { get; init; }
    public required string Lsn { get; init; }
    public DateTimeOffset Time { get; init; }
    public uint Timeline { get; init; }
    /// <summary>The file FrostGuard records it in, beside the WAL archive.</summary>
    public required string Path { get; init; }

    public override string ToString() => $"{Name} ({Lsn})";
}
