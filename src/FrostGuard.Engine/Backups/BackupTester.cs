using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;
using Npgsql;

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
    /// <summary>pg_advisory_lock key of restore tests: one per cluster at a time ("FGtestDB" in ASCII).</summary>
    private const long RestoreTestLock = 0x4647_7465_7374_4442;

    private readonly FrostSession _session;

    public BackupTester(FrostSession session) => _session = session;

    public async Task<FrostBackupTest> TestAsync(FrostBackup backup, bool restore, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var folderLock = LockFolder(Path.GetDirectoryName(backup.ManifestPath)!, backup.Id, reporter);
        var manifest = BackupCatalog.Load(backup);
        var container = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
        var verifier = new BackupVerifier(_session, container);
        var entries = await verifier.VerifyArchiveAsync(backup.Path, manifest, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Verbose(entries == 0
            ? $"backup {backup.Id}: checksum matches; pg_restore --list reads the archive's header and no entries, as the dump of an empty database has"
            : $"backup {backup.Id}: checksum matches, pg_restore --list reads {entries} entries");
        if (!restore)
        {
            return new FrostBackupTest { Id = backup.Id, ChecksumMatches = true, ArchiveReadable = true, ArchiveEntries = entries, Passed = true, Backup = backup };
        }

        await using var admin = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var maintenance = await MaintenanceConnectionAsync(reporter, cancellationToken).ConfigureAwait(false);
        await using var clusterLock = await RestoreTestLockAsync(maintenance ?? admin, cancellationToken).ConfigureAwait(false);
        await DropLeftoversAsync(admin, reporter, cancellationToken).ConfigureAwait(false);
        await CheckSpaceAsync(container, admin, manifest, reporter, cancellationToken).ConfigureAwait(false);

        var scratch = $"{manifest.Database}_fgtest_{Guid.NewGuid().ToString("N")[..8]}";
        await ExecuteAsync(admin, "SELECT format('CREATE DATABASE %I', @name)", scratch, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"created throwaway database {scratch}");
        try
        {
            var duration = await verifier.RestoreAsync(backup.Path, manifest, scratch, clean: false, jobs: 1, reporter, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<TableRowCount> restored;
            IReadOnlyList<string> contentDifferences;
            await using (var connection = await _session.Database.OpenAsync(cancellationToken, scratch).ConfigureAwait(false))
            {
                restored = await DumpSnapshot.CountRowsAsync(connection, null, cancellationToken).ConfigureAwait(false);
                contentDifferences = await TableChecksums.CompareAsync(connection, manifest.Checksums ?? [], cancellationToken).ConfigureAwait(false);
            }

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
            await ExecuteAsync(admin, "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', @name)", scratch, CancellationToken.None).ConfigureAwait(false);
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

    /// <summary>
    /// Advisory locks are scoped to a database, so the restore tests of every configuration on a
    /// cluster meet in the maintenance database "postgres"; a role that may not connect there
    /// falls back to its own database (a lock that then covers that database's tests only).
    /// </summary>
    private async Task<NpgsqlConnection?> MaintenanceConnectionAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.Database.OpenAsync(cancellationToken, "postgres").ConfigureAwait(false);
        }
        catch (FrostException e)
        {
            reporter.Warning($"The restore test's lock is taken in {_session.Config.Database.Name}, not in the cluster's maintenance database postgres ({e.Message}): restore tests of other databases of this cluster are not held off.");
            return null;
        }
    }

    /// <summary>
    /// One restore test per cluster: a session-level advisory lock, which PostgreSQL releases
    /// when the connection ends, however the process that held it ended.
    /// </summary>
    private static async Task<IAsyncDisposable> RestoreTestLockAsync(NpgsqlConnection admin, CancellationToken cancellationToken)
    {
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", admin))
        {
            take.Parameters.AddWithValue("key", RestoreTestLock);
            if (!(bool)(await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                throw new FrostException(ErrorIds.BackupInProgress, FailureKind.OperationFailed,
                    $"Another restore test is running in the database cluster of {admin.Database} (it holds advisory lock {RestoreTestLock}); this one did not start.", admin.Database ?? "",
                    "Wait for it to finish, then run Test-FrostBackup -Restore again.");
            }
        }

        return new AdvisoryUnlock(admin);
    }

    private sealed class AdvisoryUnlock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                release.Parameters.AddWithValue("key", RestoreTestLock);
                await release.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // A broken connection holds no lock: PostgreSQL released it when the session ended.
                // The error that broke it is the one the caller reports, not this one.
            }
        }
    }

    /// <summary>Throwaway databases of restore tests that died (killed mid-restore); safe to drop because this test holds the cluster's lock.</summary>
    private static async Task DropLeftoversAsync(NpgsqlConnection admin, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var leftovers = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname ~ '_fgtest_[0-9a-f]{8}$' ORDER BY 1", admin))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                leftovers.Add(reader.GetString(0));
            }
        }

        foreach (var leftover in leftovers)
        {
            reporter.Warning($"Dropping the database {leftover}, left by a restore test that did not finish.");
            await ExecuteAsync(admin, "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', @name)", leftover, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The throwaway database takes about what the backed-up database took; without that figure
    /// (a manifest from before it was recorded) three times the dump is the estimate.
    /// </summary>
    private async Task CheckSpaceAsync(PostgresContainer container, NpgsqlConnection admin, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var needed = manifest.DatabaseBytes ?? manifest.DumpBytes * 3;
        var space = await ClusterSpace.FreeAsync(_session, container, admin, cancellationToken).ConfigureAwait(false);
        if (space is not { } free)
        {
            reporter.Warning($"The free space of the database cluster's file system cannot be read here (container {container.Name} shows no host path for it); the restore test of about {needed / 1048576.0:N0} MB goes ahead unchecked.");
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

    /// <summary>Builds a statement with the server's own identifier quoting, then runs it.</summary>
    internal static async Task ExecuteAsync(NpgsqlConnection connection, string builder, string name, CancellationToken cancellationToken)
    {
        string statement;
        await using (var build = new NpgsqlCommand(builder, connection))
        {
            build.Parameters.AddWithValue("name", name);
            statement = (string)(await build.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await using var run = new NpgsqlCommand(statement, connection);
        await run.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
