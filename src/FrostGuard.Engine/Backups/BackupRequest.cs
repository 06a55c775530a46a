namespace FrostGuard.Engine.Backups;

/// <summary>What Invoke-FrostBackup asks for.</summary>
public sealed record BackupRequest
{
    /// <summary>The database to dump; the configured one when null.</summary>
    public string? Database { get; init; }
    /// <summary>The folder to write to; the configured backup root when null.</summary>
    public string? Destination { get; init; }
    public FrostBackupCompression Compression { get; init; } = FrostBackupCompression.Zstd;
    public string? Label { get; init; }
    /// <summary>Read the archive back (checksum, pg_restore --list) before the manifest is written.</summary>
    public bool Verify { get; init; }
    /// <summary>Also seal the deployment's configuration with this key (-IncludeConfig); the caller disposes it.</summary>
    public ConfigArchive.ConfigArchiveKey? ConfigKey { get; init; }
    /// <summary>Custom (pg_dump -Fc streamed from the database container) or Directory (pg_dump -Fd -j in a short-lived container).</summary>
    public FrostBackupFormat Format { get; init; } = FrostBackupFormat.Custom;
    /// <summary>pg_dump jobs for the directory format.</summary>
    public int Jobs { get; init; } = 1;
}
