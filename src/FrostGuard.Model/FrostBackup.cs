namespace FrostGuard;

/// <summary>How a backup's archive is compressed.</summary>
public enum FrostBackupCompression
{
    /// <summary>pg_dump -Fc -Z0, compressed by FrostGuard with zstd on the way to disk (the default).</summary>
    Zstd,
    /// <summary>pg_dump -Fc with its own compression: a file anyone can pg_restore by hand.</summary>
    Gzip,
    /// <summary>pg_dump -Fc -Z0, written as it comes.</summary>
    None,
}

/// <summary>pg_dump's archive format.</summary>
public enum FrostBackupFormat
{
    /// <summary>pg_dump -Fc: one file, streamed from pg_dump in the database container (the default).</summary>
    Custom,
    /// <summary>pg_dump -Fd -j N: a folder of one file per table, written by parallel jobs in a short-lived container.</summary>
    Directory,
    /// <summary>pg_basebackup of the whole cluster (Invoke-FrostBackup -Physical): the data folder as a zstd-compressed tar, for recovery to a point in time with the WAL archive.</summary>
    Physical,
}

/// <summary>One backup in the catalog, as its manifest describes it. No manifest, no backup.</summary>
public sealed class FrostBackup
{
    /// <summary>The fleet host this came from (-Target); empty on the host itself.</summary>
    public string? Host { get; init; }
    public required string Id { get; init; }
    public required string Database { get; init; }
    public DateTimeOffset Created { get; init; }
    /// <summary>Bytes of the archive file on disk.</summary>
    public long SizeBytes { get; init; }
    /// <summary>Bytes pg_dump wrote (before FrostGuard's compression).</summary>
    public long DumpBytes { get; init; }
    public required string Sha256 { get; init; }
    /// <summary>pg_dump's archive format: Custom (one file) or Directory (a folder, Path is the folder).</summary>
    public required FrostBackupFormat Format { get; init; }
    public FrostBackupCompression Compression { get; init; }
    public required string ServerVersion { get; init; }
    public required string PgDumpVersion { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Label { get; init; }
    /// <summary>True when the archive was read back (checksum and pg_restore --list) before the manifest was written.</summary>
    public bool Verified { get; init; }
    /// <summary>Rows per table (schema.table), counted in the dump's own snapshot.</summary>
    public required IReadOnlyDictionary<string, long> RowCounts { get; init; }
    /// <summary>The archive file.</summary>
    public required string Path { get; init; }
    /// <summary>The manifest file (JSON) beside it.</summary>
    public required string ManifestPath { get; init; }
    /// <summary>The deployment's files in the sealed configuration archive (Invoke-FrostBackup -IncludeConfig); empty without one.</summary>
    public IReadOnlyList<string> ConfigFiles { get; init; } = [];
    public string? ConfigArchivePath { get; init; }
    public bool IncludesConfig => ConfigArchivePath is not null;

    /// <summary>Logical (pg_dump: one database at one moment) or Physical (pg_basebackup: the cluster, to any moment the WAL archive reaches).</summary>
    public string Type => Format == FrostBackupFormat.Physical ? "Physical" : "Logical";
    /// <summary>Physical: the WAL location the base backup starts at (recovery needs every segment from here).</summary>
    public string? StartLsn { get; init; }
    /// <summary>Physical: the WAL location from which the copy is consistent.</summary>
    public string? EndLsn { get; init; }
    /// <summary>Physical: the timeline it was taken on.</summary>
    public uint? Timeline { get; init; }
    /// <summary>The earliest moment this backup can restore to: a logical backup's snapshot, a base backup's end.</summary>
    public DateTimeOffset? RecoverableFrom { get; set; }
    /// <summary>The latest: a logical backup's snapshot; for a base backup, the newest WAL archived without a gap since its start (null when the archive does not reach past it).</summary>
    public DateTimeOffset? RecoverableTo { get; set; }

    public override string ToString() => Id;
}

/// <summary>What Test-FrostBackup found out about one backup.</summary>
public sealed class FrostBackupTest
{
    public required string Id { get; init; }
    public bool ChecksumMatches { get; init; }
    public bool ArchiveReadable { get; init; }
    /// <summary>Entries pg_restore --list reads from the archive's table of contents.</summary>
    public int ArchiveEntries { get; init; }
    /// <summary>True when -Restore restored the archive into a throwaway database.</summary>
    public bool Restored { get; init; }
    /// <summary>With -Restore: every table's row count equals the manifest's; otherwise null.</summary>
    public bool? RowCountsMatch { get; init; }
    /// <summary>With -Restore: every keyed table's content checksum (rows up to the snapshot's highest id) equals the manifest's and no row lies above it; null when not restored or the manifest has no checksums.</summary>
    public bool? ContentMatches { get; init; }
    /// <summary>With -Restore: how long the restore took (the measured RTO for the database).</summary>
    public TimeSpan? RestoreDuration { get; init; }
    public bool Passed { get; init; }
    public required FrostBackup Backup { get; init; }

    public override string ToString() => Id;
}

/// <summary>What Restore-FrostBackup did.</summary>
public sealed class FrostRestore
{
    public required string BackupId { get; init; }
    public required string Database { get; init; }
    /// <summary>The backup of the database taken just before it was overwritten.</summary>
    public string? SafetyBackupId { get; init; }
    /// <summary>Rows per table right after pg_restore, before the services started again.</summary>
    public required IReadOnlyDictionary<string, long> RowCounts { get; init; }
    public bool RowCountsMatch { get; init; }
    /// <summary>Every keyed table's content checksum equals the manifest's and no row lies above the snapshot's highest id; null when the manifest has no checksums (older backups).</summary>
    public bool? ContentMatches { get; init; }
    public TimeSpan SafetyBackupDuration { get; init; }
    public TimeSpan RestoreDuration { get; init; }
    /// <summary>From the start to the services healthy again: the measured RTO.</summary>
    public TimeSpan TotalDuration { get; init; }
    public required IReadOnlyList<string> ServicesRestarted { get; init; }

    public override string ToString() => BackupId;
}

/// <summary>What Invoke-FrostBackupRetention did with one backup.</summary>
public enum FrostRetentionAction
{
    /// <summary>The policy keeps it (or decided again under the lock, it kept it after all).</summary>
    Keep,
    /// <summary>Removed.</summary>
    Remove,
    /// <summary>The policy would remove it, but -WhatIf was given or the confirmation declined.</summary>
    WouldRemove,
}

/// <summary>One retention decision of Invoke-FrostBackupRetention.</summary>
public sealed class FrostBackupRetention
{
    public required string Id { get; init; }
    /// <summary>The database whose backups this one was weighed against (retention is per database).</summary>
    public required string Database { get; init; }
    public DateTimeOffset Created { get; init; }
    public bool Verified { get; init; }
    /// <summary>Keep, Remove, or WouldRemove (with -WhatIf or a declined confirmation).</summary>
    public required FrostRetentionAction Action { get; init; }
    /// <summary>Why it is kept: daily/weekly/monthly period, newest verified.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }
    public required FrostBackup Backup { get; init; }

    public override string ToString() => Id;
}

/// <summary>A recovery objective against its measurement.</summary>
public enum FrostObjectiveStatus
{
    /// <summary>Measured within the target's upper bound.</summary>
    Met,
    /// <summary>Measured above the target's upper bound.</summary>
    Missed,
    /// <summary>Nothing measured yet.</summary>
    Unknown,
}

/// <summary>One recovery objective from the manual against what was measured.</summary>
public sealed class FrostRecoveryObjective
{
    public required string Id { get; init; }
    /// <summary>The fleet host this came from (-Target); empty on the host itself.</summary>
    public string? Host { get; init; }
    public required string Objective { get; init; }
    /// <summary>The target as the manual writes it (e.g. "15–30 min").</summary>
    public required string Target { get; init; }
    /// <summary>The target's upper bound: within it, the objective is met.</summary>
    public TimeSpan TargetLimit { get; init; }
    public TimeSpan? Measured { get; init; }
    public DateTimeOffset? MeasuredAt { get; init; }
    /// <summary>What the measurement came from (a backup id, a command).</summary>
    public string? Source { get; init; }
    /// <summary>Met, Missed, or Unknown when nothing was measured yet.</summary>
    public required FrostObjectiveStatus Status { get; init; }

    public override string ToString() => Id;
}
