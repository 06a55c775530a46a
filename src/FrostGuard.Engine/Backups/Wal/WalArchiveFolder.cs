namespace FrostGuard.Engine.Backups.Wal;

/// <summary>One file of the archive folder, checked: a finished segment has the segment size and a header that matches its name.</summary>
public sealed record WalArchiveEntry(WalFileName Name, long Length, DateTimeOffset LastWrite, string? Problem, string Path);

/// <summary>A run of segment numbers whose files a recovery to the newest timeline needs and the archive lacks (<see cref="TimelinePath"/>).</summary>
public sealed record WalGap(ulong FirstMissing, ulong LastMissing, uint Timeline)
{
    public string Describe(long segmentSize) => FirstMissing == LastMissing
        ? WalFileName.Format(Timeline, FirstMissing, segmentSize)
        : $"{WalFileName.Format(Timeline, FirstMissing, segmentSize)}..{WalFileName.Format(Timeline, LastMissing, segmentSize)}";
}

/// <summary>What the archive folder holds: every WAL file checked, the gaps, the timelines.</summary>
public sealed record WalArchiveScan(string Folder, long SegmentSize, IReadOnlyList<WalArchiveEntry> Files, IReadOnlyList<WalGap> Gaps, IReadOnlyList<string> Foreign)
{
    /// <summary>The segment holding the byte before <paramref name="lsn"/> is in the folder (finished, or being written): what the server says was flushed is on this disk.</summary>
    public bool Holds(ulong lsn)
    {
        if (lsn == 0)
        {
            return true;
        }

        var number = (lsn - 1) / (ulong)SegmentSize;
        return Files.Any(f => f.Name.Kind != WalFileKind.History && f.Name.SegmentNumber(SegmentSize) == number && Path.GetDirectoryName(f.Path) == Folder);
    }

    public IEnumerable<WalArchiveEntry> Segments => Files.Where(f => f.Name.Kind == WalFileKind.Segment);
    public WalArchiveEntry? Partial => Files.LastOrDefault(f => f.Name.Kind == WalFileKind.Partial);
    public IEnumerable<WalArchiveEntry> Invalid => Files.Where(f => f.Problem is not null);

    /// <summary>Timelines of the segments, and of the history files.</summary>
    public IReadOnlyList<uint> Timelines => Files.Select(f => f.Name.Timeline).Distinct().Order().ToList();

    /// <summary>Timelines after the first whose history file is missing: recovery cannot follow them.</summary>
    public IReadOnlyList<uint> TimelinesWithoutHistory
    {
        get
        {
            var histories = Files.Where(f => f.Name.Kind == WalFileKind.History).Select(f => f.Name.Timeline).ToHashSet();
            return Files.Where(f => f.Name.Kind != WalFileKind.History && f.Name.Timeline > 1 && !histories.Contains(f.Name.Timeline))
                .Select(f => f.Name.Timeline).Distinct().Order().ToList();
        }
    }

    public DateTimeOffset? NewestWrite => Files.Count == 0 ? null : Files.Max(f => f.LastWrite);

    /// <summary>Which timeline's file a recovery to the newest timeline reads for each segment.</summary>
    public required TimelinePath RecoveryPath { get; init; }

    private IReadOnlyDictionary<ulong, WalArchiveEntry>? _validOnPath;

    /// <summary>The files a recovery to the newest timeline reads, by segment number (without those with a problem); built once for the scan's own segment size (the catalog asks once per base backup).</summary>
    public IReadOnlyDictionary<ulong, WalArchiveEntry> ValidOnPath(long segmentSize) => segmentSize == SegmentSize
        ? _validOnPath ??= RecoveryPath.Held(Files, segmentSize, Folder, validOnly: true)
        : RecoveryPath.Held(Files, segmentSize, Folder, validOnly: true);
}

/// <summary>
/// The folder pg_receivewal writes to: &lt;backup root&gt;/wal/&lt;project&gt;, owned by the
/// database's uid, mode 0700. pg_receivewal resumes after the newest file it finds there, so
/// when the slot had to be created anew (the server removed WAL the archive never received) the
/// files archived before move to a subfolder earlier-&lt;time&gt; and streaming starts empty from
/// the new slot. Scanning reads the folder and those subfolders, each file's size and first page only.
/// </summary>
public static class WalArchiveFolder
{
    public const string Parent = "wal";
    public const string EarlierPrefix = "earlier-";

    /// <summary>Moves every WAL file of the folder into a new subfolder earlier-&lt;UTC time&gt;; returns it, or null when there was nothing to move.</summary>
    public static string? SetAside(string folder, DateTimeOffset now)
    {
        var files = Directory.Exists(folder) ? Directory.EnumerateFiles(folder).Where(f => WalFileName.Parse(Path.GetFileName(f)) is not null).ToList() : [];
        if (files.Count == 0)
        {
            return null;
        }

        // A name nobody can guess, created here and now (the database's uid may write in this folder).
        var earlier = Path.Combine(folder, EarlierPrefix + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(earlier);
        }
        else
        {
            Directory.CreateDirectory(earlier, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (Platform.Os.FileFacts.Read(earlier) is not { Kind: Platform.Os.FileKind.Directory })
        {
            throw new IOException($"{earlier} is not the folder FrostGuard just created");
        }

        var owner = Platform.Os.FileFacts.Read(folder)!;
        Platform.Os.Posix.Chown(earlier, owner.Uid, owner.Gid);

        foreach (var file in files)
        {
            File.Move(file, Path.Combine(earlier, Path.GetFileName(file)));
        }

        Platform.Os.Posix.SyncDirectory(earlier);
        Platform.Os.Posix.SyncDirectory(folder);
        return earlier;
    }

    public static string PathFor(string backupRoot, string project) => Path.Combine(backupRoot, Parent, project);

    /// <param name="systemIdentifier">The cluster's system identifier, when known: a segment of another cluster is invalid.</param>
    /// <summary>The earlier-* folders that are folders (a link planted there by the database's uid is not followed).</summary>
    public static IEnumerable<string> EarlierFolders(string folder) =>
        Directory.EnumerateDirectories(folder, EarlierPrefix + "*").Where(d => Platform.Os.FileFacts.Read(d) is { Kind: Platform.Os.FileKind.Directory });

    public static WalArchiveScan Scan(string folder, long segmentSize, string? systemIdentifier = null)
    {
        var files = new List<WalArchiveEntry>();
        var foreign = new List<string>();
        if (Directory.Exists(folder))
        {
            var paths = EarlierFolders(folder).SelectMany(Directory.EnumerateFiles)
                .Concat(Directory.EnumerateFiles(folder))
                .OrderBy(Path.GetFileName, StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var info = new FileInfo(path);
                var name = WalFileName.Parse(info.Name);
                if (name is null)
                {
                    foreign.Add(info.Name);
                    continue;
                }

                files.Add(new WalArchiveEntry(name, info.Length, info.LastWriteTimeUtc, Check(path, name, info.Length, segmentSize, systemIdentifier), path));
            }
        }

        var recoveryPath = TimelinePath.Of(files, segmentSize);
        return new WalArchiveScan(folder, segmentSize, files, FindGaps(files, segmentSize, recoveryPath, folder), foreign) { RecoveryPath = recoveryPath };
    }

    /// <summary>Why a file is not what its name says; null when it is (history files are text and only need to exist).</summary>
    public static string? Check(string path, WalFileName name, long length, long segmentSize, string? systemIdentifier = null)
    {
        if (name.Kind == WalFileKind.History)
        {
            return length == 0 ? "the history file is empty" : null;
        }

        if (length != segmentSize)
        {
            return $"it is {length} bytes long, a segment is {segmentSize}";
        }

        Span<byte> header = stackalloc byte[WalSegmentHeader.Length];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
        {
            stream.ReadExactly(header);
        }

        // pg_receivewal creates the .partial file full size and zero-filled; its first page is written first.
        var parsed = WalSegmentHeader.Read(header);
        if (name.Kind == WalFileKind.Partial && parsed.Magic == 0)
        {
            return null;
        }

        return parsed.Problem(name, segmentSize)
            ?? (systemIdentifier is not null && parsed.SystemIdentifier.ToString(System.Globalization.CultureInfo.InvariantCulture) != systemIdentifier
                ? $"it belongs to the cluster with system identifier {parsed.SystemIdentifier}, not to this one ({systemIdentifier})"
                : null);
    }

    /// <summary>
    /// Segment numbers between the lowest and the highest on the recovery path whose file on that
    /// path is missing, named with the timeline the path reads them from. A .partial counts only in
    /// the folder pg_receivewal writes (it is the segment being written); one set aside in
    /// earlier-* is the unfinished end of a stream, and the rest of its segment is missing.
    /// </summary>
    public static IReadOnlyList<WalGap> FindGaps(IReadOnlyList<WalArchiveEntry> files, long segmentSize, TimelinePath path, string? folder = null)
    {
        var held = path.Held(files, segmentSize, folder, validOnly: false);
        var numbers = held.Keys.Order().ToList();
        var gaps = new List<WalGap>();
        for (var i = 1; i < numbers.Count; i++)
        {
            if (numbers[i] == numbers[i - 1] + 1)
            {
                continue;
            }

            // A run across a switch point is named per timeline: each missing file exists under one name only.
            var first = numbers[i - 1] + 1;
            var last = numbers[i] - 1;
            foreach (var from in path.SwitchSegments.Where(s => s > first && s <= last).Order())
            {
                gaps.Add(new WalGap(first, from - 1, path.TimelineFor(first)!.Value));
                first = from;
            }

            gaps.Add(new WalGap(first, last, path.TimelineFor(first) ?? held[numbers[i - 1]].Name.Timeline));
        }

        return gaps;
    }
}
