using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// What Test-FrostBackup asks of Docker and the database, behind one seam so its decisions (what
/// stops the test before a database is created, that the throwaway database is always dropped,
/// what a failure names) are tested without them; <see cref="BackupTestWork"/> does it for real.
/// </summary>
public interface IBackupTestWork
{
    /// <summary>The manifest of a backup, read and checked.</summary>
    BackupManifest Load(FrostBackup backup);

    /// <summary>The database container with its client tools, found before the archive is read; its name.</summary>
    Task<string> FindDatabaseContainerAsync(CancellationToken cancellationToken);

    /// <summary>The archive's checksum against its manifest, then pg_restore --list; the archive's entries. A damaged or unreadable archive throws.</summary>
    Task<int> VerifyArchiveAsync(FrostBackup backup, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>
    /// The cluster's restore-test lock (refused with BackupInProgress while another test holds
    /// it), held on an admin connection through which throwaway databases are listed, created
    /// and dropped until it is disposed.
    /// </summary>
    Task<IRestoreTestCluster> LockClusterAsync(IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>pg_restore of the backup into an empty database, one job, without --clean; how long it took.</summary>
    Task<TimeSpan> RestoreAsync(FrostBackup backup, BackupManifest manifest, string database, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The restored database's row counts, and its content differences from the manifest's checksums.</summary>
    Task<(IReadOnlyList<TableRowCount> Counts, IReadOnlyList<string> ContentDifferences)> InspectAsync(BackupManifest manifest, string database, CancellationToken cancellationToken);
}
