using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>A database held at one exported snapshot while a backup dumps it (<see cref="IBackupWork.OpenSourceAsync"/>).</summary>
public interface IBackupSource : IAsyncDisposable
{
    ServerFacts Server { get; }
    string PgDumpVersion { get; }
    string SnapshotId { get; }

    /// <summary>The rows of every user table in the snapshot: what the dump holds.</summary>
    IReadOnlyList<TableRowCount> Tables { get; }

    /// <summary>Starts the content checksums in the snapshot, beside the dump; awaited before the manifest.</summary>
    Task<IReadOnlyList<TableChecksum>> StartChecksums(CancellationToken cancellationToken);

    /// <summary>pg_dump of the snapshot into <paramref name="partial"/>, run as <paramref name="format"/> says.</summary>
    Task<DumpOutput> DumpAsync(IDumpFormat format, BackupRequest request, string root, string id, string partial, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The dumped archive read back (checksum, pg_restore --list); its entries. An archive that does not read back throws.</summary>
    Task<int> VerifyArchiveAsync(string path, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken);
}
