using System.Globalization;

namespace FrostGuard.Engine.Backups.Scheduling;

/// <summary>The text of the files a schedule is made of: systemd service + timer, or a cron.d file.</summary>
public static class ScheduleUnitText
{
    public const string Header = "# Written by FrostGuard (Register-FrostBackupSchedule); Unregister-FrostBackupSchedule removes it.";

    public static string Service(BackupScheduleRequest request) => $"""
        {Header}
        [Unit]
        Description=FrostGuard database backup: backup, verification, retention, metrics
        Wants=docker.service
        After=docker.service network-online.target

        [Service]
        Type=oneshot
        ExecStart={ScheduleCommandLine.ToSystemd(request.Command())}
        Nice=10
        IOSchedulingClass=best-effort
        IOSchedulingPriority=7
        TimeoutStartSec=6h

        """;

    public static string Timer(BackupScheduleRequest request) => $"""
        {Header}
        [Unit]
        Description=Nightly FrostGuard database backup at {Clock(request.At)}

        [Timer]
        OnCalendar=*-*-* {Clock(request.At)}:00
        Persistent=true
        Unit={BackupScheduleRequest.Name}.service

        [Install]
        WantedBy=timers.target

        """;

    /// <summary>An /etc/cron.d file: minute, hour, any day, the user, the command (for /bin/sh).</summary>
    public static string Cron(BackupScheduleRequest request) => string.Create(CultureInfo.InvariantCulture, $"""
        {Header}
        SHELL=/bin/sh
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        {request.At.Minutes} {request.At.Hours} * * * root {ScheduleCommandLine.ToCron(request.Command())}

        """);

    private static string Clock(TimeSpan at) => at.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
