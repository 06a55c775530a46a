namespace FrostGuard.Engine.Backups;

/// <summary>What Invoke-FrostBackup asks for.</summary>
public sealed record BackupRequest
{
    /// <summary>The database to dump; the configured one when null.</summary>
    public string? Database { get; init; }
    /// <summary>The folder to write to; the configured backup root when null.</summary>
    public string? Destination { get; init; }
    /// <summary>The compression asked for; null: the format's default (<see cref="EffectiveCompression"/>).</summary>
    public FrostBackupCompression? Compression { get; init; }
    public string? Label { get; init; }
    /// <summary>Read the archive back (checksum, pg_restore --list) before the manifest is written.</summary>
    public bool Verify { get; init; }
    /// <summary>Also seal the deployment's configuration with this key (-IncludeConfig); the caller disposes it.</summary>
    public ConfigArchive.ConfigArchiveKey? ConfigKey { get; init; }
    /// <summary>Custom (pg_dump -Fc streamed from the database container) or Directory (pg_dump -Fd -j in a short-lived container).</summary>
    public FrostBackupFormat Format { get; init; } = FrostBackupFormat.Custom;
    /// <summary>pg_dump jobs for the directory format.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Zstd for the custom format (FrostGuard compresses); gzip for the directory format (pg_dump does, and knows no zstd in version 15).</summary>
    public FrostBackupCompression EffectiveCompression =>
        Compression ?? (Format == FrostBackupFormat.Directory ? FrostBackupCompression.Gzip : FrostBackupCompression.Zstd);

    /// <summary>
    /// Refuses combinations no format can honour, before anything is asked or done (the cmdlet
    /// calls it before ShouldProcess, so -WhatIf never previews a backup that would fail).
    /// </summary>
    public void Check()
    {
        if (Format == FrostBackupFormat.Custom && Jobs > 1)
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                "-Jobs needs -Format Directory: pg_dump writes the custom format with one job.", "Jobs",
                "Add -Format Directory, or leave -Jobs out.");
        }

        if (Format == FrostBackupFormat.Directory && EffectiveCompression == FrostBackupCompression.Zstd)
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                "-Format Directory cannot use -Compression Zstd: pg_dump 15 writes a directory archive's files with gzip or uncompressed only.", "Compression",
                "Use -Format Directory -Compression Gzip (the default for the directory format) or -Compression None, or -Format Custom for zstd.");
        }

        if (Jobs < 1)
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                $"-Jobs is {Jobs}: pg_dump needs at least one job.", "Jobs", "Leave -Jobs out, or give a number from 1 to 64.");
        }
    }
}
