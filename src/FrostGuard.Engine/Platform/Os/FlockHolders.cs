using System.Globalization;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>Who holds a flock that would block, as far as this process can tell.</summary>
public enum FlockHolder
{
    /// <summary>An open descriptor of this process, or another process: the lock is taken.</summary>
    Taken,

    /// <summary>Only this process's name, and none of its open descriptors: a child between fork and exec still shares a description this process closed.</summary>
    ForkLeftover,

    /// <summary>/proc/locks names nobody (released meanwhile, or a holder this process cannot see).</summary>
    Unseen,
}

/// <summary>
/// Reads /proc/self/fdinfo (the locks this process's open descriptors hold) and /proc/locks (every
/// flock's creator, by device and inode) to tell a lock that is really taken from the leftover of
/// a fork. A flock belongs to an open file description: a child forked while this process had the
/// file open keeps the lock until it execs, under this process's pid, with no descriptor left here.
/// </summary>
public static class FlockHolders
{
    public static FlockHolder Of(string lockKey)
    {
        if (Directory.EnumerateFiles("/proc/self/fdinfo").Any(info => LockLines(ReadQuietly(info), "lock:").Any(fields => fields.Key == lockKey)))
        {
            return FlockHolder.Taken;
        }

        var owners = LockLines(File.ReadAllText("/proc/locks"), "").Where(fields => fields.Key == lockKey).Select(fields => fields.Pid).ToList();
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return owners.Count == 0 ? FlockHolder.Unseen : owners.All(owner => owner == self) ? FlockHolder.ForkLeftover : FlockHolder.Taken;
    }

    /// <summary>The FLOCK lines ("1: FLOCK  ADVISORY  WRITE 1234 fe:00:860229 0 EOF") after a prefix: their pid and key; waiters ("->") are not holders.</summary>
    private static IEnumerable<(string Pid, string Key)> LockLines(string text, string prefix)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line[prefix.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 6 && fields[1] == "FLOCK")
            {
                yield return (fields[4], fields[5]);
            }
        }
    }

    /// <summary>A descriptor closed since the folder was listed has no fdinfo: it holds nothing.</summary>
    private static string ReadQuietly(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }
}
