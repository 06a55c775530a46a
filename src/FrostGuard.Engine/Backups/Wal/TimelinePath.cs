namespace FrostGuard.Engine.Backups.Wal;

/// <summary>
/// The segments a recovery to the newest timeline reads, one per segment number: the file of the
/// newest timeline on that timeline's history that had begun by then. PostgreSQL reads a segment
/// from the newest such timeline, and past a switch point an older timeline's copy holds the
/// branch a recovery abandoned: it cannot stand in for a missing file of the newer one (recovery
/// would stop there and promote without saying so). So a gap is a missing file on this path, not
/// a number no timeline holds. Without a readable history of the newest timeline the path is
/// unknown, and any timeline's file counts (the missing history is reported on its own).
/// </summary>
public sealed class TimelinePath
{
    /// <summary>Each timeline on the path, the first segment it is read from, and where it ended (null: the newest), newest first.</summary>
    private readonly IReadOnlyList<(uint Timeline, ulong FromSegment, ulong? EndLsn)> _timelines;

    private TimelinePath(IReadOnlyList<(uint, ulong, ulong?)> timelines) => _timelines = timelines;

    /// <summary>Whether the newest timeline's history was read (timeline 1 needs none).</summary>
    public bool Known => _timelines.Count > 0;

    /// <summary>The archive's newest timeline (1 for an empty archive).</summary>
    public uint Newest { get; private init; } = 1;

    /// <param name="history">The newest timeline's history, oldest ancestor first and well formed (empty for timeline 1); null when unknown.</param>
    public static TimelinePath Of(uint newest, IReadOnlyList<TimelineSwitch>? history, long segmentSize)
    {
        if (history is null || (newest > 1 && !TimelineHistory.IsWellFormed(history, newest)))
        {
            return new TimelinePath([]) { Newest = newest };
        }

        // Timeline h[i] runs from the previous switch to its own; the newest from the last switch on.
        var path = new List<(uint, ulong, ulong?)>();
        ulong from = 0;
        foreach (var entry in history)
        {
            path.Add((entry.Timeline, from, entry.SwitchLsn));
            from = entry.SwitchLsn / (ulong)segmentSize;
        }

        path.Add((newest, from, null));
        path.Reverse();
        return new TimelinePath(path) { Newest = newest };
    }

    /// <summary>The path of the archive's newest timeline, from its history file when it is there and readable.</summary>
    public static TimelinePath Of(IReadOnlyList<WalArchiveEntry> files, long segmentSize)
    {
        var newest = files.Count == 0 ? 1u : files.Max(f => f.Name.Timeline);
        if (newest == 1)
        {
            return Of(1, [], segmentSize);
        }

        var historyFile = files.FirstOrDefault(f => f.Name.Kind == WalFileKind.History && f.Name.Timeline == newest && f.Problem is null);
        return Of(newest, historyFile is null ? null : TimelineHistory.ReadFile(historyFile.Path, newest), segmentSize);
    }

    /// <summary>The segments at which a recovery starts reading a newer timeline.</summary>
    public IEnumerable<ulong> SwitchSegments => _timelines.Where(t => t.FromSegment > 0).Select(t => t.FromSegment);

    /// <summary>The timeline a recovery reads <paramref name="segment"/> from; null when the path is unknown.</summary>
    public uint? TimelineFor(ulong segment) =>
        Known ? _timelines.First(t => t.FromSegment <= segment).Timeline : null; // the oldest is read from segment 0

    /// <summary>
    /// Whether (timeline, lsn) lies on the path: on the newest timeline, or on an ancestor before it
    /// ended. Unknown counts as true, and so does a timeline newer than any the archive holds (a
    /// base backup taken after a recovery, before its timeline's first segment was archived, or
    /// with no archive at all): no archived branch has left it behind.
    /// </summary>
    public bool Holds(uint timeline, ulong lsn) =>
        !Known || timeline > Newest || _timelines.Any(t => t.Timeline == timeline && (t.EndLsn is not { } end || lsn <= end));

    /// <summary>Whether a recovery along the path reads this file (any file counts when the path is unknown).</summary>
    public bool IsOnPath(WalFileName name, long segmentSize) =>
        TimelineFor(name.SegmentNumber(segmentSize)) is not { } timeline || timeline == name.Timeline;

    /// <summary>
    /// The file a recovery reads for each segment number on the path. A .partial counts only in
    /// <paramref name="folder"/> (the segment pg_receivewal is writing); one set aside in earlier-*
    /// is the unfinished end of a stream. Of two copies, the one restore_command takes: the newest
    /// timeline's, then the folder's own, then the first earlier-* folder by name. With
    /// <paramref name="validOnly"/>, a number whose copy read has a problem is not held.
    /// </summary>
    public IReadOnlyDictionary<ulong, WalArchiveEntry> Held(IEnumerable<WalArchiveEntry> files, long segmentSize, string? folder, bool validOnly)
    {
        var held = new Dictionary<ulong, WalArchiveEntry>();
        var candidates = files
            .Where(f => f.Name.Kind == WalFileKind.Segment || (f.Name.Kind == WalFileKind.Partial && (folder is null || Path.GetDirectoryName(f.Path) == folder)))
            .Where(f => IsOnPath(f.Name, segmentSize))
            .GroupBy(f => f.Name.SegmentNumber(segmentSize));
        foreach (var copies in candidates)
        {
            var read = copies
                .OrderByDescending(f => f.Name.Timeline)
                .ThenBy(f => f.Name.Kind == WalFileKind.Partial) // a finished segment before the one being written
                .ThenBy(f => Path.GetDirectoryName(f.Path) == folder ? 0 : 1)
                .ThenBy(f => f.Path, StringComparer.Ordinal)
                .First();
            if (!validOnly || read.Problem is null)
            {
                held[copies.Key] = read;
            }
        }

        return held;
    }
}
