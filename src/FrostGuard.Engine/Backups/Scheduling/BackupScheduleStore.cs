using System.Globalization;
using System.Text.RegularExpressions;

namespace FrostGuard.Engine.Backups.Scheduling;

/// <summary>
/// Writes, reads back and removes the nightly backup schedule under a folder (systemd's unit
/// folder, or cron.d). Every file is written to a temporary name in the same folder, fsynced and
/// renamed, so a scheduler never reads half a unit; if a later file fails, the earlier ones are
/// put back as they were.
/// </summary>
public sealed partial class BackupScheduleStore
{
    public const string DefaultSystemdFolder = "/etc/systemd/system";
    public const string DefaultCronFolder = "/etc/cron.d";
    private const string WantsFolder = "timers.target.wants";

    private readonly FrostScheduler _scheduler;
    private readonly string _folder;
    private readonly Func<DateTimeOffset> _now;

    public static string DefaultFolder(FrostScheduler scheduler) => scheduler == FrostScheduler.Systemd ? DefaultSystemdFolder : DefaultCronFolder;

    public BackupScheduleStore(FrostScheduler scheduler, string folder, Func<DateTimeOffset> now)
    {
        _scheduler = scheduler;
        _folder = Path.GetFullPath(folder);
        _now = now;
    }

    public string ServicePath => Path.Combine(_folder, BackupScheduleRequest.Name + ".service");
    public string TimerPath => Path.Combine(_folder, BackupScheduleRequest.Name + ".timer");
    public string WantsLinkPath => Path.Combine(_folder, WantsFolder, BackupScheduleRequest.Name + ".timer");
    public string CronPath => Path.Combine(_folder, BackupScheduleRequest.Name);

    /// <summary>The files this schedule consists of, whether or not they exist yet.</summary>
    public IReadOnlyList<string> Files => _scheduler == FrostScheduler.Systemd ? [ServicePath, TimerPath, WantsLinkPath] : [CronPath];

    public bool Exists => _scheduler == FrostScheduler.Systemd ? File.Exists(ServicePath) || File.Exists(TimerPath) : File.Exists(CronPath);

    public FrostBackupSchedule Write(BackupScheduleRequest request)
    {
        if (ScheduleCommandLine.FindUnwritable(request.Command()) is { } bad)
        {
            throw new FrostException(ErrorIds.ScheduleInvalid, FailureKind.InvalidData,
                $"The backup job's command line cannot hold '{bad.ReplaceLineEndings(" ")}': it contains a line break or another control character.", bad,
                "Pass paths and a -Label without control characters.");
        }

        if (!Directory.Exists(_folder))
        {
            throw new FrostException(ErrorIds.ScheduleWriteFailed, FailureKind.NotFound, $"Cannot write the backup schedule: the folder {_folder} does not exist.", _folder,
                _scheduler == FrostScheduler.Systemd ? "Create it, or pass -Path with systemd's unit folder (/etc/systemd/system)." : "Install cron (apt-get install cron), or pass -Path.");
        }

        var files = _scheduler == FrostScheduler.Systemd
            ? new[] { (ServicePath, ScheduleUnitText.Service(request)), (TimerPath, ScheduleUnitText.Timer(request)) }
            : [(CronPath, ScheduleUnitText.Cron(request))];
        var previous = files.Select(f => (f.Item1, Content: File.Exists(f.Item1) ? File.ReadAllText(f.Item1) : null)).ToList();
        var written = new List<(string Path, string? Content)>();
        try
        {
            foreach (var (path, content) in files)
            {
                written.Add(previous.First(p => p.Item1 == path));
                WriteAtomically(path, content);
            }

            if (_scheduler == FrostScheduler.Systemd)
            {
                LinkIntoTimersTarget();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (path, content) in written)
            {
                Restore(path, content);
            }

            throw new FrostException(ErrorIds.ScheduleWriteFailed, FailureKind.PermissionDenied, $"Cannot write the backup schedule in {_folder}: {e.Message}. Nothing was changed.", _folder,
                "Run as root, or pass -Path with a folder this user may write.", e);
        }

        return Read() ?? throw new InvalidOperationException($"The schedule just written to {_folder} does not read back.");
    }

    /// <summary>The schedule in the folder, or null when there is none.</summary>
    public FrostBackupSchedule? Read()
    {
        if (!Exists)
        {
            return null;
        }

        return _scheduler == FrostScheduler.Systemd ? ReadSystemd() : ReadCron();
    }

    /// <summary>Removes the schedule's files; the list of what was removed.</summary>
    public IReadOnlyList<string> Remove()
    {
        var removed = new List<string>();
        try
        {
            foreach (var path in Files.Reverse())
            {
                if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
                {
                    File.Delete(path);
                    removed.Add(path);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.ScheduleWriteFailed, FailureKind.PermissionDenied, $"Cannot remove the backup schedule from {_folder}: {e.Message}", _folder,
                "Run as root; removed so far: " + (removed.Count == 0 ? "nothing" : string.Join(", ", removed)), e);
        }

        return removed;
    }

    private FrostBackupSchedule ReadSystemd()
    {
        var execStart = Setting(ServicePath, "ExecStart");
        var onCalendar = Setting(TimerPath, "OnCalendar");
        var match = OnCalendarDaily().Match(onCalendar.Value);
        if (!match.Success)
        {
            throw Invalid(TimerPath, onCalendar.Line, $"OnCalendar={onCalendar.Value} is not the daily '*-*-* HH:MM:00' FrostGuard writes");
        }

        IReadOnlyList<string> argv;
        try
        {
            argv = ScheduleCommandLine.FromSystemd(execStart.Value);
        }
        catch (FormatException e)
        {
            throw Invalid(ServicePath, execStart.Line, $"ExecStart cannot be read: {e.Message}");
        }

        var at = new TimeSpan(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), 0);
        var enabled = File.Exists(WantsLinkPath);
        return Describe(argv, at, ServicePath, execStart.Line, enabled,
            enabled ? SystemdActivation.Note(_folder) : $"The timer is not enabled: systemctl enable --now {BackupScheduleRequest.Name}.timer");
    }

    private FrostBackupSchedule ReadCron()
    {
        var lines = File.ReadAllLines(CronPath);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#') || CronAssignment().IsMatch(line))
            {
                continue;
            }

            var match = CronEntry().Match(line);
            if (!match.Success)
            {
                throw Invalid(CronPath, i + 1, "the line is not 'minute hour * * * user command' as FrostGuard writes it");
            }

            IReadOnlyList<string> argv;
            try
            {
                argv = ScheduleCommandLine.FromCron(match.Groups["command"].Value);
            }
            catch (FormatException e)
            {
                throw Invalid(CronPath, i + 1, $"the command cannot be read: {e.Message}");
            }

            var at = new TimeSpan(int.Parse(match.Groups["hour"].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups["minute"].Value, CultureInfo.InvariantCulture), 0);
            var note = File.Exists("/usr/sbin/cron") ? null : "cron is not installed on this machine: apt-get install cron";
            return Describe(argv, at, CronPath, i + 1, enabled: true, note);
        }

        throw Invalid(CronPath, lines.Length, "the file has no schedule line");
    }

    private FrostBackupSchedule Describe(IReadOnlyList<string> argv, TimeSpan at, string file, int line, bool enabled, string? note)
    {
        string? Option(string name)
        {
            var index = argv.ToList().FindIndex(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase));
            return index >= 0 && index + 1 < argv.Count ? argv[index + 1] : null;
        }

        int Count(string name) =>
            int.TryParse(Option(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
                : throw Invalid(file, line, $"the command has no number after {name}");

        var now = _now();
        var next = new DateTimeOffset(now.Date + at, now.Offset);
        if (next <= now)
        {
            next = next.AddDays(1);
        }

        return new FrostBackupSchedule
        {
            Name = BackupScheduleRequest.Name,
            Scheduler = _scheduler,
            Folder = _folder,
            At = at,
            KeepDaily = Count("-KeepDaily"),
            KeepWeekly = Count("-KeepWeekly"),
            KeepMonthly = Count("-KeepMonthly"),
            Label = Option("-Label"),
            MetricPath = Option("-MetricPath"),
            ConfigPath = Option("-ConfigPath") ?? throw Invalid(file, line, "the command has no -ConfigPath"),
            Command = argv,
            Files = Files.Where(f => File.Exists(f)).ToList(),
            Enabled = enabled,
            Note = note,
            NextRun = next,
        };
    }

    private static (string Value, int Line) Setting(string path, string key)
    {
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith(key + "=", StringComparison.Ordinal))
            {
                return (lines[i][(key.Length + 1)..].Trim(), i + 1);
            }
        }

        throw Invalid(path, lines.Length, $"there is no {key}= line");
    }

    private void LinkIntoTimersTarget()
    {
        // What `systemctl enable` does for WantedBy=timers.target, done without a running systemd.
        Directory.CreateDirectory(Path.Combine(_folder, WantsFolder));
        if (new FileInfo(WantsLinkPath).LinkTarget is null && !File.Exists(WantsLinkPath))
        {
            File.CreateSymbolicLink(WantsLinkPath, Path.Combine("..", BackupScheduleRequest.Name + ".timer"));
        }
    }

    private static void WriteAtomically(string path, string content)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                stream.Write(new System.Text.UTF8Encoding(false).GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            // cron ignores files that are group- or world-writable; units are read by root alone.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static void Restore(string path, string? content)
    {
        if (content is null)
        {
            File.Delete(path);
        }
        else
        {
            WriteAtomically(path, content);
        }
    }

    private static FrostException Invalid(string path, int line, string what) =>
        new(ErrorIds.ScheduleInvalid, FailureKind.InvalidData, $"{path}:{line}: {what}.", path,
            "Register-FrostBackupSchedule writes the schedule again; or fix the file by hand.");

    [GeneratedRegex(@"^\*-\*-\* (\d{2}):(\d{2}):00$")]
    private static partial Regex OnCalendarDaily();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex CronAssignment();

    [GeneratedRegex(@"^(?<minute>\d{1,2})\s+(?<hour>\d{1,2})\s+\*\s+\*\s+\*\s+(?<user>\S+)\s+(?<command>.+)$")]
    private static partial Regex CronEntry();
}
