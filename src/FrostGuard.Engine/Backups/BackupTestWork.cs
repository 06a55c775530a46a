using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>A backup test's work done for real: the database container through Docker, pg_restore in it, Npgsql.</summary>
public sealed class BackupTestWork : IBackupTestWork
{
    private readonly FrostSession _session;
    private PostgresContainer? _container;
    private BackupVerifier? _verifier;

    public BackupTestWork(FrostSession session) => _session = session;

    public BackupManifest Load(FrostBackup backup) => BackupCatalog.Load(backup);

    public async Task<string> FindDatabaseContainerAsync(CancellationToken cancellationToken)
    {
        _container = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
        _verifier = new BackupVerifier(_session, _container);
        return _container.Name;
    }

    public Task<int> VerifyArchiveAsync(FrostBackup backup, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken) =>
        Verifier.VerifyArchiveAsync(backup.Path, manifest, reporter, cancellationToken);

    public async Task<IRestoreTestCluster> LockClusterAsync(IFrostReporter reporter, CancellationToken cancellationToken) =>
        await RestoreTestCluster.LockAsync(_session, Container, reporter, cancellationToken).ConfigureAwait(false);

    public Task<TimeSpan> RestoreAsync(FrostBackup backup, BackupManifest manifest, string database, IFrostReporter reporter, CancellationToken cancellationToken) =>
        Verifier.RestoreAsync(backup.Path, manifest, database, clean: false, jobs: 1, reporter, cancellationToken);

    public async Task<(IReadOnlyList<TableRowCount> Counts, IReadOnlyList<string> ContentDifferences)> InspectAsync(BackupManifest manifest, string database, CancellationToken cancellationToken)
    {
        await using var connection = await _session.Database.OpenAsync(cancellationToken, database).ConfigureAwait(false);
        var counts = await DumpSnapshot.CountRowsAsync(connection, null, cancellationToken).ConfigureAwait(false);
        var differences = await TableChecksums.CompareAsync(connection, manifest.Checksums ?? [], cancellationToken).ConfigureAwait(false);
        return (counts, differences);
    }

    private PostgresContainer Container => _container ?? throw new InvalidOperationException($"{nameof(FindDatabaseContainerAsync)} comes first.");

    private BackupVerifier Verifier => _verifier ?? throw new InvalidOperationException($"{nameof(FindDatabaseContainerAsync)} comes first.");
}
