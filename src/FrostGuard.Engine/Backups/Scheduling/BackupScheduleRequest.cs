namespace FrostGuard.Engine.Backups.Scheduling;

/// <summary>What Register-FrostBackupSchedule was asked to write.</summary>
public sealed record BackupScheduleRequest(
    FrostScheduler Scheduler,
    string Folder,
    TimeSpan At,
    int KeepDaily,
    int KeepWeekly,
    int KeepMonthly,
    string? Label,
    string? MetricPath,
    string ConfigPath,
    string PwshPath,
    string JobScriptPath)
{
    public const string Name = "frostguard-backup";

    /// <summary>The job's argument vector: a fresh pwsh running the job script that ships with the module.</summary>
    public IReadOnlyList<string> Command()
    {
        var argv = new List<string>
        {
            PwshPath, "-NoProfile", "-NonInteractive", "-File", JobScriptPath,
            "-ConfigPath", ConfigPath,
            "-KeepDaily", KeepDaily.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-KeepWeekly", KeepWeekly.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-KeepMonthly", KeepMonthly.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(Label))
        {
            argv.AddRange(["-Label", Label]);
        }

        if (!string.IsNullOrEmpty(MetricPath))
        {
            argv.AddRange(["-MetricPath", MetricPath]);
        }

        return argv;
    }
}
