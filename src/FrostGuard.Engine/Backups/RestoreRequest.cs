namespace FrostGuard.Engine.Backups;

/// <summary>What Restore-FrostBackup asks for.</summary>
public sealed record RestoreRequest
{
    public required FrostBackup Backup { get; init; }
    /// <summary>Services stopped during the restore and started again afterwards.</summary>
    public IReadOnlyList<string> StopServices { get; init; } = ["backend", "worker"];
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(180);
}
