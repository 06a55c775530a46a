using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Get-FrostRecoveryStatus: each objective of the manual against its measurement. The recovery
/// point is the age of the newest verified backup; the others are the last measured durations.
/// Nothing measured is Unknown.
/// </summary>
public sealed class RecoveryStatusReader
{
    private readonly FrostSession _session;
    private readonly TimeProvider _clock;

    public RecoveryStatusReader(FrostSession session, TimeProvider? clock = null)
    {
        _session = session;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// With continuous archiving (the slot or the archiver exists), the achieved recovery point is
    /// measured for the objective "rpo-archive": the seconds of committed work the archive would lose now.
    /// </summary>
    public async Task<IReadOnlyList<FrostRecoveryObjective>> ReadAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        FrostWalArchive? archive = null;
        try
        {
            archive = await new Backups.Wal.WalArchiveReader(_session, _clock).ReadAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (FrostException e)
        {
            reporter.Verbose($"the WAL archive's state cannot be read: {e.Message}");
        }

        return Read(reporter, archive);
    }

    public IReadOnlyList<FrostRecoveryObjective> Read(IFrostReporter reporter, FrostWalArchive? archive = null)
    {
        var objectives = LoadObjectives(reporter);
        var measurements = new RecoveryMeasurements(_session.StateFolder).Read();
        var newestVerified = new BackupCatalog(_session.BackupRoot).List(reporter, withRecoverableRange: false).Select(b => b.Backup).FirstOrDefault(b => b.Verified);
        var now = _clock.GetUtcNow();
        return objectives.Select(o =>
        {
            TimeSpan? measured = null;
            DateTimeOffset? at = null;
            string? source = null;
            if (o.Id == "rpo")
            {
                if (newestVerified is not null)
                {
                    (measured, at, source) = (now - newestVerified.Created, newestVerified.Created, newestVerified.Id);
                }
            }
            else if (o.Id == RecoveryObjectives.ArchiveRpoId)
            {
                if (archive is { Enabled: true, LagSeconds: { } lag })
                {
                    (measured, at, source) = (TimeSpan.FromSeconds(lag), now, $"WAL archive {archive.Folder} ({(archive.SlotActive ? "streaming" : "not streaming")})");
                }
            }
            else if (measurements.TryGetValue(o.Id, out var m))
            {
                (measured, at, source) = (TimeSpan.FromSeconds(m.Seconds), m.MeasuredAt, m.Source);
            }

            return new FrostRecoveryObjective
            {
                Id = o.Id, Objective = o.Name, Target = o.Target, TargetLimit = o.Limit,
                Measured = measured, MeasuredAt = at, Source = source,
                Status = Status(measured, o.Limit),
            };
        }).ToList();
    }

    public static FrostObjectiveStatus Status(TimeSpan? measured, TimeSpan limit) =>
        measured is not { } value ? FrostObjectiveStatus.Unknown : value <= limit ? FrostObjectiveStatus.Met : FrostObjectiveStatus.Missed;

    private IReadOnlyList<RecoveryObjective> LoadObjectives(IFrostReporter reporter)
    {
        var manual = string.IsNullOrWhiteSpace(_session.Config.ManualPath) ? null : Path.Combine(_session.Config.ManualPath, RecoveryObjectives.FileName);
        if (manual is null || !File.Exists(manual))
        {
            reporter.Warning($"No objectives table at {manual ?? "(manualPath is not configured)"}; using the defaults (RPO 24 h, database restore 30 min, full recovery 60 min, rollback 10 min).");
            return RecoveryObjectives.Defaults;
        }

        return RecoveryObjectives.Parse(File.ReadAllText(manual), manual);
    }
}
