using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;
using Npgsql;

namespace FrostGuard.Engine.Backups;

/// <summary>The real <see cref="IBackupSource"/>: an open connection whose REPEATABLE READ transaction exported the snapshot, and the database container's pg_dump.</summary>
internal sealed class BackupSource(
    FrostSession session, string database, NpgsqlConnection connection, ServerFacts server, PostgresContainer postgres, string pgDump, string pgDumpVersion, DumpSnapshot snapshot)
    : IBackupSource
{
    public ServerFacts Server => server;
    public string PgDumpVersion => pgDumpVersion;
    public string SnapshotId => snapshot.Id;
    public IReadOnlyList<TableRowCount> Tables => snapshot.Tables;

    public Task<IReadOnlyList<TableChecksum>> StartChecksums(CancellationToken cancellationToken) => snapshot.StartChecksums(cancellationToken);

    public Task<DumpOutput> DumpAsync(IDumpFormat format, BackupRequest request, string root, string id, string partial, IFrostReporter reporter, CancellationToken cancellationToken) =>
        format.DumpAsync(new DumpContext(session, request, database, root, id, partial, server, postgres, pgDump, pgDumpVersion, snapshot, reporter), cancellationToken);

    public Task<int> VerifyArchiveAsync(string path, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new BackupVerifier(session, postgres).VerifyArchiveAsync(path, manifest, reporter, cancellationToken);

    /// <summary>The snapshot's transaction first, then its connection, as pg_dump no longer needs either.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await snapshot.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
