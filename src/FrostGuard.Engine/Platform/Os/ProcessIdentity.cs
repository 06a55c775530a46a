using System.Globalization;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>
/// A process as a record can name it after a reboot or pid reuse: the boot, the pid and the
/// process's start time (clock ticks since boot), as "boot/pid/start". A named process is alive
/// only if all three still match.
/// </summary>
public static class ProcessIdentity
{
    private static readonly Lazy<string> CurrentIdentity = new(() =>
        $"{StepSession.ThisBoot}/{Environment.ProcessId}/{StepSession.StartTime(Environment.ProcessId)?.ToString(CultureInfo.InvariantCulture) ?? "0"}");

    /// <summary>This process.</summary>
    public static string Current => CurrentIdentity.Value;

    /// <summary>The pid part of an identity, for messages.</summary>
    public static string PidOf(string identity) => identity.Split('/') is [_, var pid, _] ? pid : "?";

    public static bool IsAlive(string identity)
    {
        if (identity.Split('/') is not [var boot, var pidText, var startText]
            || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(startText, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return false;
        }

        return boot == StepSession.ThisBoot && StepSession.StartTime(pid) == start;
    }
}
