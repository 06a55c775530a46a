using System.Globalization;

namespace FrostGuard.Engine.Os;

/// <summary>
/// Process groups as /proc shows them: a group's leader and its start time (field 22 of
/// /proc/&lt;pid&gt;/stat, clock ticks since boot), which tell a group from a later one that got the
/// same number, and whether any process of a group is still alive.
/// </summary>
public static class ProcessGroups
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>The start time of a process, or null when it is gone.</summary>
    public static long? StartTime(int pid) => Stat(pid) is { } fields ? long.Parse(fields[19], CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// True while a process of the group <paramref name="group"/> that began with a leader started
    /// at <paramref name="leaderStart"/> is alive: the leader itself (same start time), or, once it
    /// ended, any process still in the group (Linux keeps a group's number from being reused while
    /// a member lives). Zombies do not count.
    /// </summary>
    public static bool IsAlive(int group, long leaderStart)
    {
        if (Stat(group) is { } leader && long.Parse(leader[19], CultureInfo.InvariantCulture) != leaderStart)
        {
            return false; // the number belongs to a later process: the step's group is gone
        }

        return Members(group).Any();
    }

    /// <summary>The living processes of a group (not zombies).</summary>
    public static IEnumerable<int> Members(int group)
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } fields && fields[0] != "Z" && fields[2] == group.ToString(CultureInfo.InvariantCulture))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Signals every process of a group; returns 0 or the errno (3 ESRCH: none left).</summary>
    public static int Signal(int group, int signal) => Posix.Kill(-group, signal);

    /// <summary>The fields after the command name: [0] state, [1] ppid, [2] pgrp, … [19] starttime; null when the process is gone.</summary>
    private static string[]? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone (or going) meanwhile
        }

        var close = text.LastIndexOf(')');
        return close < 0 ? null : text[(close + 2)..].Split(' ');
    }
}
