namespace FrostGuard.Engine.Backups;

/// <summary>The database cluster while this process holds its restore-test lock (<see cref="IBackupTestWork.LockClusterAsync"/>); disposing releases it.</summary>
public interface IRestoreTestCluster : IAsyncDisposable
{
    /// <summary>Throwaway databases of restore tests (<c>&lt;database&gt;_fgtest_&lt;8 hex&gt;</c>) that exist now.</summary>
    Task<IReadOnlyList<string>> ThrowawayDatabasesAsync(CancellationToken cancellationToken);

    /// <summary>The host folder of the cluster's file system and its free bytes, or null when they cannot be known here.</summary>
    Task<(string Folder, long FreeBytes)?> FreeSpaceAsync(CancellationToken cancellationToken);

    Task CreateDatabaseAsync(string name, CancellationToken cancellationToken);

    /// <summary>Drops the database if it exists, ending its sessions.</summary>
    Task DropDatabaseAsync(string name, CancellationToken cancellationToken);
}
