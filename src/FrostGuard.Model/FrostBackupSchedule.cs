namespace FrostGuard;

/// <summary>Which scheduler runs the nightly backup job.</summary>
public enum FrostScheduler
{
    Systemd,
    Cron,
}

/// <summary>
/// The nightly backup job as written to disk by Register-FrostBackupSchedule: a systemd service
/// and timer, or a cron file, and the exact command line they run.
/// </summary>
public sealed class FrostBackupSchedule
{
    public required string Name { get; init; }
    public FrostScheduler Scheduler { get; init; }
    /// <summary>The folder the files are in (systemd's unit folder, or cron.d).</summary>
    public required string Folder { get; init; }
    /// <summary>Local time of day the job starts.</summary>
    public TimeSpan At { get; init; }
    public int KeepDaily { get; init; }
    public int KeepWeekly { get; init; }
    public int KeepMonthly { get; init; }
    public string? Label { get; init; }
    /// <summary>The node_exporter textfile the job writes the backup metrics to, if any.</summary>
    public string? MetricPath { get; init; }
    /// <summary>The configuration file the job uses.</summary>
    public required string ConfigPath { get; init; }
    /// <summary>The job's argument vector, exactly as the scheduler starts it.</summary>
    public required IReadOnlyList<string> Command { get; init; }
    /// <summary>The files that make up the schedule.</summary>
    public required IReadOnlyList<string> Files { get; init; }
    /// <summary>True when the scheduler was told to run it (systemctl enable); cron files are live once written.</summary>
    public bool Enabled { get; init; }
    /// <summary>Why the schedule is not enabled, and what to run; empty when it is.</summary>
    public string? Note { get; init; }
    public DateTimeOffset NextRun { get; init; }

    /// <summary>The command line for a person to paste (POSIX shell quoting).</summary>
    public string CommandLine => string.Join(' ', Command.Select(ShellQuote));

    public override string ToString() => $"{Name} ({Scheduler}, {At:hh\\:mm})";

    private static string ShellQuote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''") + "'";
}
