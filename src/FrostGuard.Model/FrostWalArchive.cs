namespace FrostGuard;

/// <summary>One file of the WAL archive, as Get-FrostWalArchive -Segment lists it.</summary>
public sealed class FrostWalSegment
{
    public required string Name { get; init; }
    /// <summary>Segment, Partial (pg_receivewal still writes it) or History (a timeline's history file).</summary>
    public required string Kind { get; init; }
    public uint Timeline { get; init; }
    /// <summary>The WAL location the segment starts at; empty for a history file.</summary>
    public string? StartLsn { get; init; }
    public long Length { get; init; }
    public DateTimeOffset LastWriteTime { get; init; }
    /// <summary>True when its size and first page header are what its name says.</summary>
    public bool IsValid { get; init; }
    /// <summary>Why it is not valid; empty when it is.</summary>
    public string? Problem { get; init; }

    public override string ToString() => Name;
}

/// <summary>The state of continuous WAL archiving (Get-FrostWalArchive).</summary>
public sealed class FrostWalArchive
{
    public required string Project { get; init; }
    /// <summary>True when FrostGuard's override file holds the archiver service.</summary>
    public bool Enabled { get; init; }
    public required string Service { get; init; }
    /// <summary>The archiver container's state (running, exited, restarting); empty when there is none.</summary>
    public string? ServiceState { get; init; }
    public required string Slot { get; init; }
    public bool SlotExists { get; init; }
    /// <summary>True while pg_receivewal streams through the slot.</summary>
    public bool SlotActive { get; init; }
    /// <summary>pg_replication_slots.wal_status: reserved, extended, unreserved, or lost (invalidated).</summary>
    public string? SlotWalStatus { get; init; }
    /// <summary>The configured max_slot_wal_keep_size as the server reports it.</summary>
    public string? MaxSlotWalKeepSize { get; init; }
    public required string Folder { get; init; }
    /// <summary>Finished segments in the folder.</summary>
    public int SegmentCount { get; init; }
    public string? FirstSegment { get; init; }
    public string? LastSegment { get; init; }
    /// <summary>The segment being written (.partial), if any.</summary>
    public string? PartialSegment { get; init; }
    public IReadOnlyList<uint> Timelines { get; init; } = [];
    /// <summary>Ranges of segments missing between the first and the last, "A..B" each.</summary>
    public IReadOnlyList<string> Gaps { get; init; } = [];
    /// <summary>Segments whose size or header is wrong, with the reason.</summary>
    public IReadOnlyList<string> Invalid { get; init; } = [];
    /// <summary>The WAL location the archiver has flushed to disk; empty when it is not streaming.</summary>
    public string? ArchivedLsn { get; init; }
    /// <summary>The server's current WAL location.</summary>
    public string? CurrentLsn { get; init; }
    /// <summary>Bytes of WAL the server wrote that the archive does not hold yet.</summary>
    public long? BehindBytes { get; init; }
    /// <summary>
    /// The achieved recovery point: how many seconds of committed work the archive would lose now
    /// (0 when it holds all WAL written; else how long ago it last had everything).
    /// </summary>
    public double? LagSeconds { get; init; }
    /// <summary>When the archive last received WAL (the newest file's write time).</summary>
    public DateTimeOffset? NewestWalAt { get; init; }
    /// <summary>What needs an operator's attention, in words; empty when nothing does.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    public override string ToString() => $"{Project}: {(Enabled ? "archiving" : "not archiving")} to {Folder}";
}
