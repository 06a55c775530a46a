using FrostGuard.Engine.Backups.Scheduling;

namespace FrostGuard.Engine.Tests.Backups;

public sealed class BackupScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 23, 0, 0, TimeSpan.Zero);

    private static BackupScheduleRequest Request(FrostScheduler scheduler, string folder, string label = "scheduled", string config = "/etc/frostguard/frostguard.json") =>
        new(scheduler, folder, new TimeSpan(2, 30, 0), 7, 4, 6, label, "/var/lib/node_exporter/frostguard backup.prom", config,
            "/opt/microsoft/powershell/7/pwsh", "/opt/frostguard/module/jobs/Invoke-FrostScheduledBackup.ps1");

    [Theory]
    [InlineData("plain")]
    [InlineData("with space")]
    [InlineData("50% off $HOME \"quoted\" back\\slash 'single'")]
    public void Systemd_and_cron_command_lines_read_back_as_the_same_arguments(string awkward)
    {
        string[] argv = ["/usr/bin/pwsh", "-File", "/a b/job.ps1", "-Label", awkward];
        Assert.Equal(argv, ScheduleCommandLine.FromSystemd(ScheduleCommandLine.ToSystemd(argv)));
        Assert.Equal(argv, ScheduleCommandLine.FromCron(ScheduleCommandLine.ToCron(argv)));
    }

    [Fact]
    public void Systemd_specifiers_and_variables_are_escaped()
    {
        var line = ScheduleCommandLine.ToSystemd(["/bin/x", "100%", "$HOME"]);
        Assert.Equal("/bin/x \"100%%\" \"$$HOME\"", line);
    }

    [Fact]
    public void Cron_percent_signs_are_escaped_so_cron_does_not_turn_them_into_newlines()
    {
        Assert.Equal("/bin/x '100\\%'", ScheduleCommandLine.ToCron(["/bin/x", "100%"]));
    }

    [Fact]
    public void A_systemd_schedule_is_written_enabled_and_read_back()
    {
        using var folder = new TempFolder();
        var store = new BackupScheduleStore(FrostScheduler.Systemd, folder.Path, () => Now);
        var schedule = store.Write(Request(FrostScheduler.Systemd, folder.Path));

        Assert.Equal(new TimeSpan(2, 30, 0), schedule.At);
        Assert.Equal((7, 4, 6), (schedule.KeepDaily, schedule.KeepWeekly, schedule.KeepMonthly));
        Assert.Equal("/var/lib/node_exporter/frostguard backup.prom", schedule.MetricPath);
        Assert.True(schedule.Enabled);
        Assert.Equal(Now.Date.AddDays(1) + new TimeSpan(2, 30, 0), schedule.NextRun);
        Assert.Contains("OnCalendar=*-*-* 02:30:00", File.ReadAllText(store.TimerPath));
        Assert.Equal("../frostguard-backup.timer", new FileInfo(store.WantsLinkPath).LinkTarget);
        Assert.Equal(Request(FrostScheduler.Systemd, folder.Path).Command(), schedule.Command);
    }

    [Fact]
    public void A_cron_schedule_is_one_cron_d_line_run_as_root()
    {
        using var folder = new TempFolder();
        var store = new BackupScheduleStore(FrostScheduler.Cron, folder.Path, () => Now);
        var schedule = store.Write(Request(FrostScheduler.Cron, folder.Path));

        var line = File.ReadAllLines(store.CronPath).Single(l => l.StartsWith("30 2 ", StringComparison.Ordinal));
        Assert.StartsWith("30 2 * * * root /opt/microsoft/powershell/7/pwsh ", line);
        Assert.Equal(Request(FrostScheduler.Cron, folder.Path).Command(), schedule.Command);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(store.CronPath));
        }
    }

    [Fact]
    public void A_value_with_a_line_break_is_refused_and_nothing_is_written()
    {
        using var folder = new TempFolder();
        var store = new BackupScheduleStore(FrostScheduler.Systemd, folder.Path, () => Now);
        var error = Assert.Throws<FrostException>(() => store.Write(Request(FrostScheduler.Systemd, folder.Path, label: "a\nExecStartPre=/bin/rm")));
        Assert.Equal(ErrorIds.ScheduleInvalid, error.ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void A_hand_edited_timer_that_is_not_daily_is_reported_with_file_and_line()
    {
        using var folder = new TempFolder();
        var store = new BackupScheduleStore(FrostScheduler.Systemd, folder.Path, () => Now);
        store.Write(Request(FrostScheduler.Systemd, folder.Path));
        File.WriteAllText(store.TimerPath, File.ReadAllText(store.TimerPath).Replace("*-*-* 02:30:00", "hourly", StringComparison.Ordinal));

        var error = Assert.Throws<FrostException>(() => store.Read());
        Assert.Equal(ErrorIds.ScheduleInvalid, error.ErrorId);
        Assert.StartsWith($"{store.TimerPath}:6:", error.Message);
    }

    [Fact]
    public void Remove_takes_away_every_file_and_the_link()
    {
        using var folder = new TempFolder();
        var store = new BackupScheduleStore(FrostScheduler.Systemd, folder.Path, () => Now);
        store.Write(Request(FrostScheduler.Systemd, folder.Path));

        Assert.Equal(3, store.Remove().Count);
        Assert.Null(store.Read());
        Assert.False(File.Exists(store.ServicePath) || File.Exists(store.TimerPath) || new FileInfo(store.WantsLinkPath).LinkTarget is not null);
    }
}
