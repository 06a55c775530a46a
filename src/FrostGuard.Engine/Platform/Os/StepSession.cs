using System.Globalization;
using System.Text;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>
/// The processes of a step that runs as a session of its own (setsid): the session id (its
/// leader's pid), the leader's start time (/proc/&lt;pid&gt;/stat field 22, clock ticks since boot),
/// the boot it ran in, and a marker in the environment of every process it started. Whatever a
/// step does with process groups (<c>timeout</c>, <c>set -m</c>), its children stay in its session.
/// </summary>
/// <param name="Session">The session id: the leader's pid.</param>
/// <param name="LeaderStart">The leader's start time, or null when it was gone before it could be read.</param>
/// <param name="BootId">/proc/sys/kernel/random/boot_id of the boot the step ran in.</param>
/// <param name="Marker">The value of <see cref="MarkerVariable"/> in the step's environment.</param>
public sealed record StepSession(int Session, long? LeaderStart, string BootId, string Marker)
{
    /// <summary>Set in a step's environment: a process that carries it was started by that step.</summary>
    public const string MarkerVariable = "FROSTGUARD_STEP_MARKER";

    public const int SigTerm = 15;
    public const int SigKill = 9;

    private static readonly Lazy<string> CurrentBoot = new(() => File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim());

    /// <summary>This boot's id.</summary>
    public static string ThisBoot => CurrentBoot.Value;

    public static string NewMarker() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// True while a process of this step lives (zombies do not count). Only what proves to be the
    /// step's counts, since after its runner died, a reboot or enough new processes, the number
    /// may be another's: the same boot, and the leader itself with its start time, or a member of
    /// the session carrying the step's marker. Linux never gives a session's number to another
    /// process while a member lives, so once that is proven every member is the step's.
    /// </summary>
    public bool IsAlive() => Members().Any();

    /// <summary>The living processes of the step (none when the session is not proven to be the step's).</summary>
    public IReadOnlyList<int> Members()
    {
        if (Session <= 1 || BootId != ThisBoot)
        {
            return []; // 0 and 1 are never a step's; a number from another boot means nothing in this one
        }

        var members = SessionMembers(Session);
        if (members.Count == 0)
        {
            return [];
        }

        var leaderIsOurs = LeaderStart is { } started && members.Any(m => m.Pid == Session && m.Start == started);
        return leaderIsOurs || members.Any(m => Carries(m.Pid, Marker)) ? members.Select(m => m.Pid).ToList() : [];
    }

    /// <summary>Signals every living process of the step; the number signalled (0 when none is proven the step's).</summary>
    public int Signal(int signal)
    {
        var members = Members();
        foreach (var pid in members)
        {
            _ = Posix.Kill(pid, signal); // ESRCH: it ended meanwhile
        }

        return members.Count;
    }

    /// <summary>Waits until no process of the step lives, up to <paramref name="limit"/> (infinite: as long as it takes); true when none does.</summary>
    public async Task<bool> EndedAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(limit);
        }

        // /proc has no notification for processes that are not our children: it is read again every 50 ms.
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (IsAlive())
        {
            try
            {
                await poll.WaitForNextTickAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return !IsAlive();
            }
        }

        return true;
    }

    /// <summary>The start time of a process, or null when it is gone.</summary>
    public static long? StartTime(int pid) => Stat(pid) is { } fields ? long.Parse(fields[19], CultureInfo.InvariantCulture) : null;

    private static List<(int Pid, long Start)> SessionMembers(int session)
    {
        var members = new List<(int, long)>();
        var wanted = session.ToString(CultureInfo.InvariantCulture);
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } fields && fields[0] != "Z" && fields[3] == wanted)
            {
                members.Add((pid, long.Parse(fields[19], CultureInfo.InvariantCulture)));
            }
        }

        return members;
    }

    private static bool Carries(int pid, string marker)
    {
        byte[] environment;
        try
        {
            environment = File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone meanwhile, or not ours to read
        }

        // NUL-separated NAME=value entries; Latin-1 maps every byte to one char.
        return ("\0" + Encoding.Latin1.GetString(environment) + "\0").Contains($"\0{MarkerVariable}={marker}\0", StringComparison.Ordinal);
    }

    /// <summary>The fields after the command name: [0] state, [1] ppid, [2] pgrp, [3] session, … [19] starttime; null when the process is gone.</summary>
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
