using System.Globalization;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups.Wal;

/// <summary>One line of a timeline history file: timeline <see cref="Timeline"/> ended at <see cref="SwitchLsn"/>.</summary>
public sealed record TimelineSwitch(uint Timeline, ulong SwitchLsn);

/// <summary>
/// A timeline's history (TTTTTTTT.history): each ancestor timeline and where it ended, oldest
/// first. The file lies in a folder the database's uid writes, so it is read as PostgreSQL would
/// accept it or not at all: a regular file (no link followed), of a size a history has, with
/// ancestors in increasing order below the timeline itself and switch points that never go back.
/// </summary>
public static class TimelineHistory
{
    /// <summary>Far more than any real history (one short line per promotion).</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The history of <paramref name="timeline"/> from its file; null when the file cannot be read as one.</summary>
    public static IReadOnlyList<TimelineSwitch>? ReadFile(string path, uint timeline)
    {
        if (FileFacts.Read(path) is not { Kind: FileKind.Regular, Size: > 0 and <= MaxBytes })
        {
            return null;
        }

        string text;
        try
        {
            using var stream = PrivateFiles.OpenRead(path, 1);
            var buffer = new byte[MaxBytes + 1];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > MaxBytes)
            {
                return null;
            }

            text = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var switches = Parse(text);
        return IsWellFormed(switches, timeline) ? switches : null;
    }

    public static IReadOnlyList<TimelineSwitch> Parse(string text)
    {
        var switches = new List<TimelineSwitch>();
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Trim().Split('\t', ' ');
            // Anything else is a comment or a line FrostGuard does not read.
            if (fields.Length >= 2 && uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var timeline) && Lsn.TryParse(fields[1], out var at))
            {
                switches.Add(new TimelineSwitch(timeline, at));
            }
        }

        return switches;
    }

    /// <summary>At least one ancestor (a timeline after the first has one), ancestors increasing and below the timeline, switch points never going back.</summary>
    public static bool IsWellFormed(IReadOnlyList<TimelineSwitch> switches, uint timeline)
    {
        if (switches.Count == 0)
        {
            return false;
        }

        for (var i = 0; i < switches.Count; i++)
        {
            if (switches[i].Timeline >= timeline || (i > 0 && (switches[i].Timeline <= switches[i - 1].Timeline || switches[i].SwitchLsn < switches[i - 1].SwitchLsn)))
            {
                return false;
            }
        }

        return true;
    }
}
