using Npgsql;
using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Test-FrostBackup: the checksum against the manifest, pg_restore --list, and with a restore
/// test the archive restored into a throwaway database whose row counts must equal the
/// manifest's; the database is dropped whatever happened.
/// </summary>
public sealed class BackupTester
{
    private readonly FrostSession _session;

    public BackupTester(FrostSession session) => _session = session;

    public async Task<FrostBackupTest> TestAsync(FrostBackup backup, bool restore, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var manifest = BackupCatalog.Load(backup);
        var container = await PostgresContainer.FindAsync(_session, cancellationToken).ConfigureAwait(false);
        var verifier = new BackupVerifier(_session, container);
        var entries = await verifier.VerifyArchiveAsync(backup.Path, manifest, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"backup {backup.Id}: checksum matches, pg_restore --list reads {entries} entries");
        if (!restore)
        {
            return new FrostBackupTest { Id = backup.Id, ChecksumMatches = true, ArchiveReadable = true, ArchiveEntries = entries, Passed = true, Backup = backup };
        }

        var scratch = $"{manifest.Database}_fgtest_{Guid.NewGuid().ToString("N")[..8]}";
        await using var admin = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
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

            reporter.Verbose($"restored {backup.Id} into {scratch} in {duration.TotalSeconds:N1} s; row counts and {manifest.Checksums?.Count ?? 0} content checksums match the manifest");
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
