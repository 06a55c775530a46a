using System.Globalization;

namespace FrostGuard.Engine.Backups.Physical;

public enum RecoveryTargetKind
{
    /// <summary>recovery_target_time: every transaction committed up to that moment.</summary>
    Time,
    /// <summary>recovery_target_name: up to a restore point (Invoke-FrostBackup -RestorePoint).</summary>
    Name,
    /// <summary>To the end of the archived WAL, the segment pg_receivewal is writing included.</summary>
    Latest,
}

/// <summary>Where a recovery stops, and the server settings that say so.</summary>
public sealed record RecoveryTarget(RecoveryTargetKind Kind, DateTimeOffset? Time = null, string? Name = null)
{
    public static RecoveryTarget At(DateTimeOffset time) => new(RecoveryTargetKind.Time, Time: time.ToUniversalTime());

    public static RecoveryTarget Point(string name) => new(RecoveryTargetKind.Name, Name: name);

    public static readonly RecoveryTarget Latest = new(RecoveryTargetKind.Latest);

    /// <summary>The target a cmdlet's parameter set names: -PointInTime, -RestorePoint, else -Latest.</summary>
    public static RecoveryTarget FromParameters(string parameterSet, DateTimeOffset pointInTime, string? restorePoint) => parameterSet switch
    {
        "PointInTime" => At(pointInTime),
        "RestorePoint" => Point(restorePoint!),
        _ => Latest,
    };

    public override string ToString() => Kind switch
    {
        RecoveryTargetKind.Time => $"{Time!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)} UTC",
        RecoveryTargetKind.Name => $"restore point '{Name}'",
        _ => "the latest archived WAL",
    };

    /// <summary>The recovery settings, given on the recovery instance's command line (never written into the data folder).</summary>
    public IReadOnlyList<(string Name, string Value)> Settings()
    {
        List<(string, string)> settings = [("recovery_target_timeline", "latest")];
        switch (Kind)
        {
            case RecoveryTargetKind.Time:
                settings.Add(("recovery_target_time", Time!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00"));
                settings.Add(("recovery_target_inclusive", "true"));
                settings.Add(("recovery_target_action", "promote"));
                break;
            case RecoveryTargetKind.Name:
                settings.Add(("recovery_target_name", Name!));
                settings.Add(("recovery_target_action", "promote"));
                break;
        }

        return settings;
    }
}
