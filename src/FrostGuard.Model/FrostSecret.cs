namespace FrostGuard;

/// <summary>One rotation of a managed secret that succeeded (Update-FrostSecret). Never holds the value.</summary>
public sealed class FrostSecretRotation
{
    public required string Name { get; init; }
    /// <summary>The database role whose password was set.</summary>
    public required string Role { get; init; }
    public required DateTimeOffset RotatedAt { get; init; }
    /// <summary>Generated (CSPRNG) or Given (-NewValue).</summary>
    public required string ValueSource { get; init; }
    public required string EnvFile { get; init; }
    /// <summary>The dated copy of the .env as it was before (mode 0600).</summary>
    public required string BackupFile { get; init; }
    /// <summary>The services restarted because they read the .env.</summary>
    public required IReadOnlyList<string> RestartedServices { get; init; }
    /// <summary>How the new value was proven: login with it, services healthy, health URL.</summary>
    public required string Verification { get; init; }
    public TimeSpan Duration { get; init; }

    public override string ToString() => $"{Name} rotated {RotatedAt:u}";
}

/// <summary>When a managed secret was last rotated, against the rotation policy (Get-FrostSecretAge).</summary>
public sealed class FrostSecretAge
{
    public required string Name { get; init; }
    public DateTimeOffset? LastRotated { get; init; }
    public double? AgeDays { get; init; }
    public int MaxAgeDays { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public HealthStatus Status { get; init; }
    /// <summary>Where the date comes from: the rotation log, or the .env file's modification time.</summary>
    public required string Source { get; init; }
    public required string Message { get; init; }

    public override string ToString() => $"{Name}: {Status} — {Message}";
}
