using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>A backup's work done for real: job containers through Docker, the database through Npgsql, pg_dump in the database container.</summary>
public sealed class BackupWork : IBackupWork
{
    private readonly FrostSession _session;

    public BackupWork(FrostSession session) => _session = session;

    public Task<IReadOnlyList<string>> RemoveLeftoverJobsAsync(string root, CancellationToken cancellationToken) =>
        JobContainer.RemoveLeftoversAsync(_session.Docker, root, cancellationToken);

    public async Task<IBackupSource> OpenSourceAsync(string database, string root, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var connection = await _session.Database.OpenAsync(cancellationToken, database).ConfigureAwait(false);
        try
        {
            var server = await Preflight.CheckAsync(connection, root, reporter, cancellationToken).ConfigureAwait(false);
            var postgres = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
            var (pgDump, pgDumpVersion) = await postgres.LocateToolAsync("pg_dump", server.Major, cancellationToken).ConfigureAwait(false);
            Preflight.CheckToolVersion("pg_dump", pgDumpVersion, server, postgres.Name);
            var snapshot = await DumpSnapshot.ExportAsync(connection, cancellationToken).ConfigureAwait(false);
            return new BackupSource(_session, database, connection, server, postgres, pgDump, pgDumpVersion, snapshot);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
