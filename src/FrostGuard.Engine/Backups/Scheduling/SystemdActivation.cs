using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups.Scheduling;

/// <summary>
/// Telling a running systemd about the timer. Without systemd as PID 1 (containers, this build
/// machine) the units are only written and linked into timers.target, as `systemctl enable` would.
/// </summary>
public static class SystemdActivation
{
    /// <summary>sd_booted(3): systemd is running when this folder exists.</summary>
    public static bool IsRunning => Directory.Exists("/run/systemd/system");

    /// <summary>Only the system unit folder is one systemd reads; a unit written elsewhere is for inspection or packaging.</summary>
    public static bool Manages(string folder) =>
        IsRunning && string.Equals(Path.GetFullPath(folder).TrimEnd('/'), BackupScheduleStore.DefaultSystemdFolder, StringComparison.Ordinal);

    public static string? Note(string folder) =>
        Manages(folder) ? null
        : IsRunning ? $"Written to {folder}, which systemd does not read: copy the units to {BackupScheduleStore.DefaultSystemdFolder} to use them."
        : "systemd is not running on this machine: the timer is enabled and starts with systemd at the next boot.";

    /// <summary>After writing the units: daemon-reload and (re)start the timer, when systemd runs and reads this folder.</summary>
    public static void Start(string folder)
    {
        if (Manages(folder))
        {
            Systemctl("daemon-reload");
            Systemctl("restart", BackupScheduleRequest.Name + ".timer");
        }
    }

    /// <summary>Before removing the units: stop the timer.</summary>
    public static void Stop(string folder)
    {
        if (Manages(folder))
        {
            Systemctl("stop", BackupScheduleRequest.Name + ".timer");
        }
    }

    /// <summary>After removing the units: let systemd forget them.</summary>
    public static void Reload(string folder)
    {
        if (Manages(folder))
        {
            Systemctl("daemon-reload");
        }
    }

    private static void Systemctl(params string[] arguments)
    {
        // Callers are synchronous and run on the pipeline thread, which has no synchronization context to deadlock on.
        var result = ProcessRunner.RunAsync(new ProcessRequest("systemctl", arguments), CancellationToken.None).GetAwaiter().GetResult();
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.ScheduleWriteFailed, FailureKind.OperationFailed,
                $"systemctl {string.Join(' ', arguments)} {(result.TimedOut ? "did not finish within 30 s" : $"exited with {result.ExitCode}")}: {result.StandardError.Trim()}", BackupScheduleRequest.Name + ".timer",
                $"The units are written; see journalctl -u {BackupScheduleRequest.Name}.timer, then systemctl {string.Join(' ', arguments)}.");
        }
    }
}
