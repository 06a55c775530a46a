using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// What a restore does to the world (Docker, the database, the backup files), behind one seam so
/// the restore's decisions (what runs after which failure, what is put back, what is started
/// again) are tested without a database; <see cref="RestoreWork"/> does it for real.
/// </summary>
public interface IRestoreWork
{
    /// <summary>The manifest of a backup, read and checked.</summary>
    BackupManifest Load(FrostBackup backup);

    /// <summary>The archive's checksum against its manifest; a damaged archive throws.</summary>
    Task CheckChecksumAsync(FrostBackup backup, BackupManifest manifest, CancellationToken cancellationToken);

    /// <summary>The database container with its client tools, found before anything changes.</summary>
    Task FindDatabaseContainerAsync(CancellationToken cancellationToken);

    /// <summary>The named services that run now (every name must have a container).</summary>
    Task<IReadOnlyList<FrostService>> RunningAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);

    /// <summary>The services of these containers, as they are now.</summary>
    Task<IReadOnlyList<FrostService>> ServicesAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken);

    Task StopAsync(IReadOnlyList<FrostService> services, IFrostReporter reporter);

    /// <summary>Starts the services and waits until they are healthy; never cancelled.</summary>
    Task StartAndWaitAsync(IReadOnlyList<FrostService> services, TimeSpan timeout, IFrostReporter reporter);

    /// <summary>A verified backup of the database, taken now.</summary>
    Task<FrostBackup> TakeSafetyBackupAsync(string database, string label, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The backup root's lock, held while the database changes.</summary>
    IDisposable LockBackupRoot(FrostBackup backup, string purpose);

    /// <summary>Drops the tables the database has and the backup does not.</summary>
    Task DropTablesNotInAsync(BackupManifest manifest, string database, IFrostReporter reporter);

    /// <summary>pg_restore --clean of the backup into the database; not cancellable once started.</summary>
    Task<TimeSpan> RestoreAsync(FrostBackup backup, BackupManifest manifest, string database, int jobs, IFrostReporter reporter);

    /// <summary>The restored database's row counts, and its content differences from the manifest's checksums.</summary>
    Task<(IReadOnlyList<TableRowCount> Counts, IReadOnlyList<string> ContentDifferences)> InspectAsync(BackupManifest manifest, string database);
}
