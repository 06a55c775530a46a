using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// What a backup asks of Docker and the database, behind one seam so the pipeline's decisions
/// (what comes before what, and what is left in the root after which failure) are tested without
/// them; <see cref="BackupWork"/> does it for real. The files in the backup root are the
/// pipeline's own decisions and stay real.
/// </summary>
public interface IBackupWork
{
    /// <summary>Removes the job containers that directory backups which died left for this root; their names.</summary>
    Task<IReadOnlyList<string>> RemoveLeftoverJobsAsync(string root, CancellationToken cancellationToken);

    /// <summary>
    /// The database opened and checked (room in the root, a pg_dump not older than the server),
    /// and the snapshot pg_dump reads exported: held until the source is disposed.
    /// </summary>
    Task<IBackupSource> OpenSourceAsync(string database, string root, IFrostReporter reporter, CancellationToken cancellationToken);
}
