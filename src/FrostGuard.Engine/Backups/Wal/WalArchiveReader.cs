using FrostGuard.Engine.Platform;

namespace FrostGuard.Engine.Backups.Wal;

/// <summary>What the server says of the archive slot and of the archiver streaming through it.</summary>
public sealed record WalSlotState(
    bool Exists, bool Active, string? WalStatus, string MaxSlotWalKeepSize, ulong? CurrentLsn, ulong? FlushedLsn,
    double? FlushLagSeconds, double? ReplyAgeSeconds, long SegmentSize, string SystemIdentifier);

/// <summary>
/// Reads the state of continuous archiving: the slot and its archiver from the server, the
/// archiver's container from Docker, every file of the archive folder from disk.
/// </summary>
public sealed class WalArchiveReader
{
    public const string SlotQuery = """
        SELECT s.slot_name IS NOT NULL, coalesce(s.active, false), s.wal_status::text,
               current_setting('max_slot_wal_keep_size'),
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END,
               r.flush_lsn::text,
               extract(epoch FROM r.flush_lag)::float8,
               extract(epoch FROM (clock_timestamp() - r.reply_time))::float8,
               (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),
               (SELECT system_identifier::text FROM pg_control_system())
        FROM (SELECT 1) AS one
        LEFT JOIN pg_replication_slots s ON s.slot_name = $1 AND s.slot_type = 'physical'
        LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
        """;

    private readonly FrostSession _session;
    private readonly TimeProvider _clock;

    public WalArchiveReader(FrostSession session, TimeProvider? clock = null)
    {
        _session = session;
        _clock = clock ?? TimeProvider.System;
    }

    public string Folder => WalArchiveFolder.PathFor(_session.BackupRoot, _session.Config.Project.Name);

    public async Task<WalSlotState> ReadSlotAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = SlotQuery;
        command.Parameters.AddWithValue(_session.Config.WalArchive.Slot);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new WalSlotState(
            reader.GetBoolean(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : Lsn.Parse(reader.GetString(4)), reader.IsDBNull(5) ? null : Lsn.Parse(reader.GetString(5)),
            reader.IsDBNull(6) ? null : reader.GetDouble(6), reader.IsDBNull(7) ? null : reader.GetDouble(7),
            reader.GetInt64(8), reader.GetString(9));
    }

    /// <summary>The slot as the server reports it, or null when the database does not answer (the archive is still listed from disk).</summary>
    public async Task<WalSlotState?> TryReadSlotAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadSlotAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (FrostException e) when (e.ErrorId is ErrorIds.DatabaseUnreachable or ErrorIds.DatabaseAuthenticationFailed)
        {
            return null;
        }
    }

    /// <param name="enabled">Whether the override holds the archiver (Deployments knows); null: judged from the slot and the container.</param>
    public async Task<FrostWalArchive> ReadAsync(bool? enabled, CancellationToken cancellationToken)
    {
        var settings = _session.Config.WalArchive;
        var slot = await TryReadSlotAsync(cancellationToken).ConfigureAwait(false);
        var services = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        var container = services.FirstOrDefault(s => s.Service == settings.Service);
        var database = services.FirstOrDefault(s => s.Service == _session.Config.Database.Service);
        var scan = Scan(slot);
        if (slot is null)
        {
            var unknown = Describe(enabled ?? container is not null, container, Unknown, scan, database);
            return new FrostWalArchive
            {
                Project = unknown.Project, Enabled = unknown.Enabled, Service = unknown.Service, ServiceState = unknown.ServiceState, Slot = unknown.Slot,
                Folder = unknown.Folder, SegmentCount = unknown.SegmentCount, FirstSegment = unknown.FirstSegment, LastSegment = unknown.LastSegment,
                PartialSegment = unknown.PartialSegment, Timelines = unknown.Timelines, Gaps = unknown.Gaps, Invalid = unknown.Invalid, NewestWalAt = unknown.NewestWalAt,
                Problems = [$"The database at {_session.Database.Endpoint} does not answer: the slot and the archiver's stream are unknown; the archive below is read from disk.", .. FileProblems(scan)],
            };
        }

        return Describe(enabled ?? (slot.Exists || container is not null), container, slot, scan, database);
    }

    /// <summary>The archive folder scanned with what the server says of the cluster (segment size, system identifier), or, when it does not answer (null), with the segment size the archive's own headers give.</summary>
    public WalArchiveScan Scan(WalSlotState? slot) =>
        WalArchiveFolder.Scan(Folder, slot?.SegmentSize ?? SegmentSizeOnDisk(Folder), slot?.SystemIdentifier);

    /// <summary>A slot the server could not be asked about: nothing known of it.</summary>
    public static readonly WalSlotState Unknown = new(false, false, null, "", null, null, null, null, 16 * 1024 * 1024, "");

    /// <summary>The segment size the archive's own headers give (the first finished segment's), 16 MB when there is none.</summary>
    public static long SegmentSizeOnDisk(string folder)
    {
        var first = Directory.Exists(folder) ? Directory.EnumerateFiles(folder).FirstOrDefault(f => WalFileName.Parse(Path.GetFileName(f)) is { Kind: WalFileKind.Segment }) : null;
        if (first is null)
        {
            return 16 * 1024 * 1024;
        }

        Span<byte> header = stackalloc byte[WalSegmentHeader.Length];
        using (var stream = File.OpenRead(first))
        {
            if (stream.Read(header) < header.Length)
            {
                return 16 * 1024 * 1024;
            }
        }

        var size = WalSegmentHeader.Read(header).SegmentSize;
        return size is >= 1 << 20 and <= 1 << 30 && (size & (size - 1)) == 0 ? size : 16 * 1024 * 1024;
    }

    /// <param name="database">The database's container, when known: the archiver should run its image.</param>
    public FrostWalArchive Describe(bool enabled, FrostService? container, WalSlotState slot, WalArchiveScan scan, FrostService? database = null)
    {
        var settings = _session.Config.WalArchive;
        var now = _clock.GetUtcNow();
        long? behind = slot.CurrentLsn is { } current && slot.FlushedLsn is { } flushed ? (long)(current > flushed ? current - flushed : 0) : null;
        var lag = enabled && !(slot.Active && slot.FlushedLsn is null) ? AchievedRecoveryPoint(slot, behind, scan.NewestWrite, now) : null;
        var segments = scan.Segments.ToList();
        var problems = (enabled ? SlotProblems(container, slot, scan) : []).Concat(FileProblems(scan)).ToList();
        if (enabled && ImageProblem(container, database, settings.Service) is { } image)
        {
            problems.Add(image);
        }

        return new FrostWalArchive
        {
            Project = _session.Config.Project.Name,
            Enabled = enabled,
            Service = settings.Service,
            ServiceState = container?.State.ToString(),
            Slot = settings.Slot,
            SlotExists = slot.Exists,
            SlotActive = slot.Active,
            SlotWalStatus = slot.WalStatus,
            MaxSlotWalKeepSize = slot.MaxSlotWalKeepSize,
            Folder = scan.Folder,
            SegmentCount = segments.Count,
            FirstSegment = segments.FirstOrDefault()?.Name.Name,
            LastSegment = segments.LastOrDefault()?.Name.Name,
            PartialSegment = scan.Partial?.Name.Name,
            Timelines = scan.Timelines,
            Gaps = scan.Gaps.Select(g => g.Describe(scan.SegmentSize)).ToList(),
            Invalid = scan.Invalid.Select(f => $"{f.Name.Name}: {f.Problem}").ToList(),
            ArchivedLsn = slot.FlushedLsn is { } at ? Lsn.Format(at) : null,
            CurrentLsn = slot.CurrentLsn is { } now2 ? Lsn.Format(now2) : null,
            BehindBytes = behind,
            LagSeconds = lag,
            NewestWalAt = scan.NewestWrite,
            Problems = problems,
        };
    }

    /// <summary>What is wrong with the slot or the archiver's container, each with the command that helps.</summary>
    public IReadOnlyList<string> SlotProblems(FrostService? container, WalSlotState slot, WalArchiveScan? scan = null)
    {
        var settings = _session.Config.WalArchive;
        var problems = new List<string>();
        if (!slot.Exists)
        {
            problems.Add($"The replication slot {settings.Slot} is missing: WAL the archiver has not received yet is not kept for it. Run Enable-FrostWalArchive to create it again, then Invoke-FrostBackup -Physical (the archive has a gap from here).");
        }
        else if (slot.WalStatus == "lost")
        {
            problems.Add($"The replication slot {settings.Slot} was invalidated (wal_status lost): the archiver fell more than max_slot_wal_keep_size ({slot.MaxSlotWalKeepSize}) behind and the server removed WAL it had not archived. Run Enable-FrostWalArchive to recreate the slot, then Invoke-FrostBackup -Physical.");
        }
        else if (!slot.Active)
        {
            problems.Add($"No archiver streams through the slot {settings.Slot}; the slot holds WAL on the database's disk (up to {slot.MaxSlotWalKeepSize}). Get-FrostLog {settings.Service} shows why; Enable-FrostWalArchive starts it again.");
        }
        else if (slot.FlushedLsn is null)
        {
            problems.Add($"The archiver streams, but the database user {_session.Config.Database.User} may not read how far (pg_stat_replication): grant it pg_monitor (GRANT pg_monitor TO {_session.Config.Database.User}) so the recovery point can be judged.");
        }
        else if (scan is not null && !scan.Holds(slot.FlushedLsn.Value))
        {
            problems.Add($"The server says the archiver flushed WAL up to {Lsn.Format(slot.FlushedLsn.Value)}, but {scan.Folder} does not hold that segment: the archiver writes somewhere else. Check the mounts of {settings.Service} (docker inspect), then run Enable-FrostWalArchive.");
        }

        if (container is null)
        {
            problems.Add($"The archiver service {settings.Service} has no container. Enable-FrostWalArchive starts it.");
        }
        else if (!container.IsRunning)
        {
            problems.Add($"The archiver container {container.Container} is {container.State}. Get-FrostLog {settings.Service} shows why.");
        }

        return problems;
    }

    /// <summary>
    /// The archiver runs another image than the database: its image is written into the override
    /// when archiving is enabled, so an update of the database's image leaves it behind. A newer
    /// server major version stops it streaming; a minor one only leaves pg_receivewal older.
    /// </summary>
    public static string? ImageProblem(FrostService? archiver, FrostService? database, string service) =>
        archiver is null || database is null || archiver.ImageId == database.ImageId ? null
            : archiver.Image != database.Image
                ? $"The archiver runs {archiver.Image} ({Short(archiver.ImageId)}), the database {database.Image} ({Short(database.ImageId)}): the database's image changed after Enable-FrostWalArchive. Run Enable-FrostWalArchive to move {service} to the database's image."
                // Same name, other builds: the tag was rebuilt or pulled between the two containers' creation; Enable would write the same override.
                : $"The archiver and the database both run {database.Image}, but different builds of it ({Short(archiver.ImageId)} and {Short(database.ImageId)}): the image was rebuilt or pulled after one of them was created. Recreate the one on the older build (docker-compose up -d --no-deps {service}, or the database's service in a maintenance window).";

    private static string Short(string imageId) => imageId.StartsWith("sha256:", StringComparison.Ordinal) && imageId.Length > 19 ? imageId[7..19] : imageId;

    /// <summary>What is wrong with the archive's files: gaps, damaged segments, timelines without history.</summary>
    public static IReadOnlyList<string> FileProblems(WalArchiveScan scan)
    {
        var problems = new List<string>();
        foreach (var gap in scan.Gaps)
        {
            problems.Add($"WAL segments {gap.Describe(scan.SegmentSize)} are missing: no recovery can cross them; a base backup taken after the gap (Invoke-FrostBackup -Physical) starts a recoverable range again.");
        }

        foreach (var bad in scan.Invalid)
        {
            problems.Add($"{bad.Name.Name}: {bad.Problem}.");
        }

        if (scan.Foreign.Count > 0)
        {
            problems.Add($"{scan.Folder} holds files that are not WAL ({string.Join(", ", scan.Foreign.Take(5))}{(scan.Foreign.Count > 5 ? ", …" : "")}): nothing FrostGuard or pg_receivewal writes; find out who put them there.");
        }

        foreach (var timeline in scan.TimelinesWithoutHistory)
        {
            problems.Add($"Timeline {timeline} has segments but no history file ({timeline:X8}.history): recovery cannot follow it.");
        }

        return problems;
    }

    /// <summary>
    /// Seconds of committed work the archive would lose now: 0 when the archiver has flushed all the
    /// server wrote; while it streams but is behind, how long its flush lags; when it does not stream,
    /// the age of the newest archived file (everything since is only on the database's disk).
    /// </summary>
    public static double? AchievedRecoveryPoint(WalSlotState slot, long? behindBytes, DateTimeOffset? newestWrite, DateTimeOffset now)
    {
        if (slot.Active && behindBytes == 0)
        {
            return 0;
        }

        if (slot.Active)
        {
            return Math.Max(slot.FlushLagSeconds ?? 0, slot.ReplyAgeSeconds ?? 0);
        }

        return newestWrite is { } newest ? Math.Max(0, (now - newest).TotalSeconds) : null;
    }
}
