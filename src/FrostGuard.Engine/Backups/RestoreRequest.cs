namespace FrostGuard.Engine.Backups;

/// <summary>What Restore-FrostBackup asks for.</summary>
public sealed record RestoreRequest
{
    public required FrostBackup Backup { get; init; }
    /// <summary>Services stopped during the restore and started again afterwards.</summary>
    public IReadOnlyList<string> StopServices { get; init; } = ["backend", "worker"];
    /// <summary>pg_restore jobs; above 1 the archive is staged as a file in the container first (no single transaction).</summary>
    public int Jobs { get; init; } = 1;
    /// <summary>
    /// Drop (CASCADE) the tables the database has and the backup does not, before pg_restore:
    /// --clean only drops what the archive holds, so a table a later migration added (with a
    /// foreign key to a restored table) would make the restore fail. Undo-FrostDeployment sets it.
    /// </summary>
    public bool DropTablesNotInBackup { get; init; }
    /// <summary>Restore without a safety backup first (when none can be taken); a failed restore then cannot be undone.</summary>
    public bool SkipSafetyBackup { get; init; }
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(180);
}
