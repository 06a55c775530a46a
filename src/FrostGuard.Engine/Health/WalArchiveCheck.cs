using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Continuous WAL archiving (Enable-FrostWalArchive), when the deployment has it: the slot exists,
/// is not invalidated and has its archiver streaming (Critical otherwise: recovery to the latest
/// point is no longer possible, or the slot fills the disk), the archiver on the database's own
/// image (Warning otherwise); the archive's files are whole and
/// without gaps; and the achieved recovery point (seconds of committed work the archive would
/// lose now) against the WAL Archive Lag lines. A deployment without the slot and without the
/// archiver service has no result. With the database down the slot is Unknown (the Database
/// check says why) and the folder is still judged from disk: an archive is never silently gone
/// from the report.
/// </summary>
public sealed class WalArchiveCheck : IHealthCheck
{
    public const string CheckName = "WalArchive";

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var session = context.RequireSession();
        var settings = session.Config.WalArchive;
        var reader = new WalArchiveReader(session, context.Clock);
        var slot = await reader.TryReadSlotAsync(cancellationToken).ConfigureAwait(false);
        var services = await context.ServicesAsync(cancellationToken).ConfigureAwait(false);
        var container = services.FirstOrDefault(s => s.Service == settings.Service);
        var database = services.FirstOrDefault(s => s.Service == session.Config.Database.Service);
        if (slot is not { Exists: true } && container is null)
        {
            return [];
        }

        var slotTarget = $"slot:{settings.Slot}";
        var rule = "the slot exists, is not lost, and pg_receivewal streams through it";
        if (slot is null)
        {
            var onDisk = reader.Scan(null);
            return
            [
                context.Result(CheckName, slotTarget, HealthStatus.Unknown,
                    $"The database at {session.Database.Endpoint} does not answer (see the Database check): whether {settings.Slot} exists and pg_receivewal streams through it is unknown; the archiver's container is {container!.State}.",
                    rule, duration: context.Clock.GetElapsedTime(started)),
                FolderResult(context, reader.Describe(true, container, WalArchiveReader.Unknown, onDisk, database), onDisk, started),
            ];
        }

        var scan = reader.Scan(slot);
        var archive = reader.Describe(true, container, slot, scan, database);
        var results = new List<FrostHealthResult>();
        var duration = context.Clock.GetElapsedTime(started);
        var slotProblems = reader.SlotProblems(container, slot, scan);
        var imageProblem = WalArchiveReader.ImageProblem(container, database, settings.Service);
        results.Add(slotProblems.Count > 0
            ? context.Result(CheckName, slotTarget, HealthStatus.Critical, string.Join(" ", slotProblems.Append(imageProblem).OfType<string>()), rule, duration: duration)
            : imageProblem is not null
                ? context.Result(CheckName, slotTarget, HealthStatus.Warning, imageProblem, rule, duration: duration)
                : context.Result(CheckName, slotTarget, HealthStatus.Ok,
                    $"pg_receivewal streams through {settings.Slot} (wal_status {slot.WalStatus}); max_slot_wal_keep_size {slot.MaxSlotWalKeepSize}.", rule, duration: duration));
        results.Add(FolderResult(context, archive, scan, started));

        if (archive.LagSeconds is { } lag)
        {
            results.Add(context.Judge(CheckName, "archive-lag", MetricKeys.WalArchiveLag, lag,
                $"{ReplicationLag.Bytes(archive.BehindBytes)} of WAL not archived yet; achieved recovery point", started));
        }

        return results;
    }

    /// <summary>The archive folder as read from disk: Critical for files that are not this cluster's WAL, Warning for gaps and the like.</summary>
    private static FrostHealthResult FolderResult(HealthContext context, FrostWalArchive archive, WalArchiveScan scan, long started)
    {
        var folderRule = "every segment whole, no gap, each timeline's history file present";
        var fileProblems = WalArchiveReader.FileProblems(scan);
        var fileStatus = archive.Invalid.Count > 0 || scan.Foreign.Count > 0 ? HealthStatus.Critical : fileProblems.Count > 0 ? HealthStatus.Warning : HealthStatus.Ok;
        return context.Result(CheckName, scan.Folder, fileStatus,
            fileProblems.Count > 0 ? string.Join(" ", fileProblems)
                : archive.SegmentCount == 0
                    ? $"No finished segment yet{(archive.PartialSegment is { } partial ? $"; writing {partial}" : "")}."
                    : $"{archive.SegmentCount} segment(s) {archive.FirstSegment}..{archive.LastSegment}, timeline(s) {string.Join(", ", archive.Timelines)}, no gap.",
            folderRule, archive.SegmentCount, "segments", context.Clock.GetElapsedTime(started));
    }
}
