using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Test-FrostBackup: the checksum against the manifest, pg_restore --list, and with a restore
/// test the archive restored into a throwaway database whose row counts must equal the
/// manifest's; the database is dropped whatever happened. It holds the backup lock of the
/// backup's folder (a backup there would otherwise remove its job container as a leftover); a
/// restore test first checks that the cluster's file system has room for the database, and holds
/// a lock in the cluster itself, under which it drops the throwaway databases of tests that died.
/// </summary>
public sealed class BackupTester
{
    private readonly FrostSession _session;
    private readonly IBackupTestWork _work;

    /// <param name="work">What the test asks of Docker and the database; for real by default.</param>
    public BackupTester(FrostSession session, IBackupTestWork? work = null)
    {
        _session = session;
        _work = work ?? new BackupTestWork(session);
    }

    public async Task<FrostBackupTest> TestAsync(FrostBackup backup, bool restore, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var folderLock = LockFolder(Path.GetDirectoryName(backup.ManifestPath)!, backup.Id, reporter);
        var manifest = _work.Load(backup);
        if (restore && manifest.Format == FrostBackupFormat.Physical)
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                $"Backup {backup.Id} is a physical base backup: -Restore restores logical ones into a throwaway database.", backup.Id,
                "Drill a recovery from it instead: Test-FrostBackup -PointInTime <time> or -Latest (a throwaway container, the live deployment untouched).");
        }

        var container = await _work.FindDatabaseContainerAsync(cancellationToken).ConfigureAwait(false);
        var entries = await _work.VerifyArchiveAsync(backup, manifest, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Verbose(entries == 0
            ? $"backup {backup.Id}: checksum matches; pg_restore --list reads the archive's header and no entries, as the dump of an empty database has"
            : $"backup {backup.Id}: checksum matches, pg_restore --list reads {entries} entries");
        if (!restore)
        {
            return new FrostBackupTest { Id = backup.Id, ChecksumMatches = true, ArchiveReadable = true, ArchiveEntries = entries, Passed = true, Backup = backup };
        }

        await using var cluster = await _work.LockClusterAsync(reporter, cancellationToken).ConfigureAwait(false);
        await DropLeftoversAsync(cluster, reporter, cancellationToken).ConfigureAwait(false);
        await CheckSpaceAsync(cluster, container, manifest, reporter, cancellationToken).ConfigureAwait(false);

        var scratch = $"{manifest.Database}_fgtest_{Guid.NewGuid().ToString("N")[..8]}";
        await cluster.CreateDatabaseAsync(scratch, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"created throwaway database {scratch}");
        try
        {
            var duration = await _work.RestoreAsync(backup, manifest, scratch, reporter, cancellationToken).ConfigureAwait(false);
            var (restored, contentDifferences) = await _work.InspectAsync(manifest, scratch, cancellationToken).ConfigureAwait(false);
            var differences = RowCountComparison.Differences(manifest.Tables, restored).Concat(contentDifferences).ToList();
            if (differences.Count > 0)
            {
                throw new FrostException(ErrorIds.BackupRestoreTestFailed, FailureKind.InvalidData,
                    $"Backup {backup.Id} restored into {scratch}, but its rows differ from the manifest: {string.Join("; ", differences)}.", backup.Id,
                    "Do not rely on this backup; take a new one with Invoke-FrostBackup -Verify and test it with Test-FrostBackup -Restore.");
            }

            reporter.Verbose($"restored {backup.Id} into {scratch} in {duration.TotalSeconds:N1} s; row counts of {restored.Count} tables and {manifest.Checksums?.Count ?? 0} content checksums match the manifest");
            RecoveryMeasurements.TryRecord(_session.StateFolder, "database-restore", duration, $"Test-FrostBackup -Restore {backup.Id}", reporter);
            return new FrostBackupTest
            {
                Id = backup.Id, ChecksumMatches = true, ArchiveReadable = true, ArchiveEntries = entries,
                Restored = true, RowCountsMatch = true, ContentMatches = manifest.Checksums is null ? null : true, RestoreDuration = duration, Passed = true, Backup = backup,
            };
        }
        finally
        {
            await cluster.DropDatabaseAsync(scratch, CancellationToken.None).ConfigureAwait(false);
            reporter.Verbose($"dropped throwaway database {scratch}");
        }
    }

    /// <summary>
    /// The backup lock of the folder, so a backup there cannot take this test's job container for
    /// a leftover. A folder this user cannot write (a read-only offsite copy) has no backup running
    /// in it either: it is tested without the lock, with a warning.
    /// </summary>
    private static BackupLock? LockFolder(string folder, string backupId, IFrostReporter reporter)
    {
        try
        {
            return BackupLock.Acquire(folder, "test of " + backupId);
        }
        catch (FrostException e) when (e.ErrorId == ErrorIds.BackupDestinationNotWritable)
        {
            reporter.Warning($"Testing backup {backupId} without the lock of {folder}, which this user cannot take there ({e.InnerException?.Message ?? e.Message}).");
            return null;
        }
    }

    /// <summary>Throwaway databases of restore tests that died (killed mid-restore); safe to drop because this test holds the cluster's lock.</summary>
    private static async Task DropLeftoversAsync(IRestoreTestCluster cluster, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        foreach (var leftover in await cluster.ThrowawayDatabasesAsync(cancellationToken).ConfigureAwait(false))
        {
            reporter.Warning($"Dropping the database {leftover}, left by a restore test that did not finish.");
            await cluster.DropDatabaseAsync(leftover, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The throwaway database takes about what the backed-up database took; without that figure
    /// (a manifest from before it was recorded) three times the dump is the estimate.
    /// </summary>
    private static async Task CheckSpaceAsync(IRestoreTestCluster cluster, string container, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var needed = manifest.DatabaseBytes ?? manifest.DumpBytes * 3;
        var space = await cluster.FreeSpaceAsync(cancellationToken).ConfigureAwait(false);
        if (space is not { } free)
        {
            reporter.Warning($"The free space of the database cluster's file system cannot be read here (container {container} shows no host path for it); the restore test of about {needed / 1048576.0:N0} MB goes ahead unchecked.");
            return;
        }

        reporter.Verbose($"{free.Folder}: {free.FreeBytes / 1048576.0:N0} MB free for a throwaway database of about {needed / 1048576.0:N0} MB");
        CheckRoom(free.Folder, free.FreeBytes, needed, manifest.Id);
    }

    /// <summary>A throwaway copy must fit and leave the live database a tenth of the free space, at least 256 MB.</summary>
    internal static void CheckRoom(string folder, long freeBytes, long neededBytes, string backupId)
    {
        var headroom = Math.Max(256L << 20, freeBytes / 10);
        if (freeBytes < neededBytes + headroom)
        {
            throw new FrostException(ErrorIds.BackupInsufficientSpace, FailureKind.OperationFailed,
                $"The database cluster's file system ({folder}) has {freeBytes / 1048576.0:N0} MB free; a throwaway copy of backup {backupId} needs about {neededBytes / 1048576.0:N0} MB and would leave the live database less than {headroom / 1048576.0:N0} MB. Nothing was created.",
                folder, $"Free space there (`df -h {folder}`), or test without -Restore (checksum and archive only).");
        }
    }
}
