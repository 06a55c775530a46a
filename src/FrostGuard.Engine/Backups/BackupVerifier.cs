using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;
using Npgsql;
using ZstdSharp;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Reads a backup back: its SHA-256 against the manifest, its table of contents with
/// pg_restore --list, and (for a restore test or a restore) the whole archive streamed into
/// pg_restore in the database container.
/// </summary>
public sealed class BackupVerifier
{
    private const int ChunkSize = 256 * 1024;
    /// <summary>How much of each pg_restore --list line is kept: enough for ";     TOC Entries: N".</summary>
    private const int TocLinePrefix = 32;

    private readonly FrostSession _session;
    private readonly PostgresContainer _container;

    public BackupVerifier(FrostSession session, PostgresContainer container)
    {
        _session = session;
        _container = container;
    }

    public static async Task<string> ChecksumAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = PrivateFiles.OpenRead(path, ChunkSize);
        using var sha = SHA256.Create();
        var digest = await sha.ComputeHashAsync(file, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexString(digest).ToLowerInvariant();
    }

    /// <summary>Fails with BackupChecksumMismatch unless the file's SHA-256 is the manifest's.</summary>
    public static async Task CheckChecksumAsync(string path, BackupManifest manifest, CancellationToken cancellationToken)
    {
        if (IsDirectory(manifest))
        {
            await CheckFolderAsync(path, manifest, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!File.Exists(path))
        {
            throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
                $"The archive {path} of backup {manifest.Id} is missing.", manifest.Id,
                "Get-FrostBackup lists the backups whose files are present; remove this one with Remove-FrostBackup.");
        }

        var actual = await ChecksumAsync(path, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(actual, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                $"Backup {manifest.Id} is damaged: the SHA-256 of {path} is {actual}, its manifest says {manifest.Sha256}. It must not be restored.", manifest.Id,
                "Use another backup (Get-FrostBackup), or restore a good copy of this file (Copy-FrostBackup made one if you ran it).");
        }

        if (manifest.Config is { } sealedConfig)
        {
            var configPath = Path.Combine(Path.GetDirectoryName(path)!, sealedConfig.File);
            var configSha = File.Exists(configPath) ? await ChecksumAsync(configPath, cancellationToken).ConfigureAwait(false) : "missing";
            if (!string.Equals(configSha, sealedConfig.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                    $"The configuration archive {configPath} of backup {manifest.Id} is {(configSha == "missing" ? "missing" : "damaged: its SHA-256 is " + configSha)}; the manifest says {sealedConfig.Sha256}.", manifest.Id,
                    "Use another backup taken with -IncludeConfig, or a good copy of this file.");
            }
        }
    }

    public static bool IsDirectory(BackupManifest manifest) => manifest.Format == FrostBackupFormat.Directory;

    /// <summary>A directory archive: every file's SHA-256 as the manifest lists it, no file missing or added.</summary>
    private static async Task CheckFolderAsync(string path, BackupManifest manifest, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(path))
        {
            throw new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
                $"The archive folder {path} of backup {manifest.Id} is missing.", manifest.Id,
                "Get-FrostBackup lists the backups whose files are present; remove this one with Remove-FrostBackup.");
        }

        var differences = await DirectoryArchive.CompareAsync(path, manifest, cancellationToken).ConfigureAwait(false);
        if (differences.Count > 0)
        {
            throw new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData,
                $"Backup {manifest.Id} is damaged: in {path}, {string.Join("; ", differences.Take(5))}{(differences.Count > 5 ? $" (and {differences.Count - 5} more)" : "")}. It must not be restored.", manifest.Id,
                "Use another backup (Get-FrostBackup), or restore a good copy of this folder (Copy-FrostBackup made one if you ran it).");
        }
    }

    /// <summary>
    /// Checksum, then pg_restore --list; returns the number of archive entries. An archive with no
    /// entries is valid only as the dump of an empty database: pg_restore read its header (the
    /// "TOC Entries" line) and the manifest records no tables.
    /// </summary>
    public async Task<int> VerifyArchiveAsync(string path, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        await CheckChecksumAsync(path, manifest, cancellationToken).ConfigureAwait(false);
        if (manifest.Format == FrostBackupFormat.Physical)
        {
            return await Physical.BaseBackupArchive.VerifyAsync(path, manifest, cancellationToken).ConfigureAwait(false);
        }
        var server = await ServerMajorAsync(cancellationToken).ConfigureAwait(false);
        var (pgRestore, _) = await _container.LocateToolAsync("pg_restore", server, cancellationToken).ConfigureAwait(false);
        var lines = 0;
        var headerRead = false;
        var pending = new List<byte>();
        ValueTask CountEntries(ReadOnlyMemory<byte> chunk, CancellationToken _)
        {
            foreach (var b in chunk.Span)
            {
                if (b == (byte)'\n')
                {
                    lines += pending.Count > 0 && pending[0] != (byte)';' ? 1 : 0;
                    headerRead |= pending.Count > 0 && pending[0] == (byte)';' && System.Text.Encoding.ASCII.GetString(pending.ToArray()).Contains("TOC Entries:", StringComparison.Ordinal);
                    pending.Clear();
                }
                else if (pending.Count < TocLinePrefix)
                {
                    pending.Add(b);
                }
            }

            return ValueTask.CompletedTask;
        }

        ExecResult result;
        if (IsDirectory(manifest))
        {
            var job = await JobContainer.FromAsync(_session.Docker, _container, cancellationToken).ConfigureAwait(false);
            result = await job.RunAsync("pg-restore-list", RootOf(path), [pgRestore, "--list", path], [new JobMount(path, ReadOnly: true)],
                null, CountEntries, cancellationToken, JobContainer.CurrentUser).ConfigureAwait(false);
        }
        else
        {
            result = await _container.Exec.RunAsync([pgRestore, "--list"],
                (stdin, ct) => FeedAsync(stdin, null, path, manifest.Compression, ct),
                CountEntries, cancellationToken).ConfigureAwait(false);
        }

        var emptyDatabase = lines == 0 && headerRead && manifest.Tables.Count == 0;
        if (!result.Succeeded || (lines == 0 && !emptyDatabase))
        {
            throw new FrostException(ErrorIds.BackupArchiveUnreadable, FailureKind.InvalidData,
                $"pg_restore --list in {_container.Name} cannot read backup {manifest.Id} ({path}): exit {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, {lines} entries. {result.StandardError}".Trim(),
                manifest.Id, "Use another backup (Get-FrostBackup); run Test-FrostBackup on it first.");
        }

        return lines;
    }

    /// <summary>
    /// Restores the archive into <paramref name="database"/> and returns how long it took. One
    /// job: streamed into pg_restore's stdin (with --clean in one transaction). Several jobs:
    /// pg_restore -j needs a seekable file, so the archive is first written decompressed to a
    /// 0600 file in the container's /tmp, restored from there, and removed whatever happened.
    /// </summary>
    public async Task<TimeSpan> RestoreAsync(string path, BackupManifest manifest, string database, bool clean, int jobs, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var server = await ServerMajorAsync(cancellationToken).ConfigureAwait(false);
        var (pgRestore, _) = await _container.LocateToolAsync("pg_restore", server, cancellationToken).ConfigureAwait(false);
        var port = await ServerPortAsync(cancellationToken).ConfigureAwait(false);
        var command = new List<string>
        {
            pgRestore, "--no-password", "--exit-on-error", "--no-owner",
            "--host=127.0.0.1", "--port=" + port.ToString(CultureInfo.InvariantCulture),
            "--username=" + _session.Config.Database.User, "--dbname=" + database,
        };
        if (clean)
        {
            command.AddRange(["--clean", "--if-exists"]);
        }

        var password = PgPassWrapper.PasswordLine(_session.DatabasePassword);
        var clock = Stopwatch.StartNew();
        var progress = new ProgressMeter(reporter, BackupRunner.ProgressActivity + 1, $"Restoring backup {manifest.Id} into {database}");
        string? staged = null;
        ExecResult result;
        try
        {
            if (IsDirectory(manifest))
            {
                // A folder is seekable as it is: pg_restore reads it in a job container where it is mounted read-only.
                if (jobs > 1)
                {
                    command.Add("--jobs=" + jobs.ToString(CultureInfo.InvariantCulture));
                }
                else if (clean)
                {
                    command.Add("--single-transaction");
                }

                command.Add(path);
                var job = await JobContainer.FromAsync(_session.Docker, _container, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"pg_restore of folder {path} with {jobs} jobs in a container from {job.Image}");
                result = await job.RunAsync("pg-restore", RootOf(path), command, [new JobMount(path, ReadOnly: true)],
                    password, (_, _) => ValueTask.CompletedTask, cancellationToken, JobContainer.CurrentUser).ConfigureAwait(false);
            }
            else if (jobs > 1)
            {
                staged = $"/tmp/frostguard-restore-{Guid.NewGuid():N}.dump";
                var copy = await _container.Exec.RunAsync(["/bin/sh", "-c", "umask 077; cat > \"$1\"", "stage", staged],
                    (stdin, ct) => FeedAsync(stdin, null, path, manifest.Compression, ct, progress),
                    (_, _) => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
                if (!copy.Succeeded || copy.InputFailure is not null)
                {
                    throw RestoreFailed(manifest, database, copy, $"writing the archive to {staged} in the container failed");
                }

                reporter.Verbose($"staged backup {manifest.Id} as {staged} in {_container.Name} for {jobs} jobs");
                command.AddRange(["--jobs=" + jobs.ToString(CultureInfo.InvariantCulture), staged]);
                result = await _container.Exec.RunAsync(PgPassWrapper.Wrap(command),
                    async (stdin, ct) => await stdin.WriteAsync(password, ct).ConfigureAwait(false),
                    (_, _) => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (clean)
                {
                    command.Add("--single-transaction");
                }

                result = await _container.Exec.RunAsync(PgPassWrapper.Wrap(command),
                    (stdin, ct) => FeedAsync(stdin, password, path, manifest.Compression, ct, progress),
                    (_, _) => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            progress.Complete();
            if (staged is not null)
            {
                var removed = await _container.Exec.RunAsync(["rm", "-f", staged], null, (_, _) => ValueTask.CompletedTask, CancellationToken.None).ConfigureAwait(false);
                if (!removed.Succeeded)
                {
                    reporter.Warning($"Could not remove {staged} from {_container.Name} (exit {removed.ExitCode}): {removed.StandardError}; remove it with `docker exec {_container.Name} rm -f {staged}`.");
                }
            }
        }

        if (!result.Succeeded)
        {
            throw RestoreFailed(manifest, database, result, "pg_restore failed");
        }

        return clock.Elapsed;
    }

    private static string RootOf(string path) => Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)))!;

    private FrostException RestoreFailed(BackupManifest manifest, string database, ExecResult result, string what) =>
        new(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed,
            $"Restoring backup {manifest.Id} into database {database} in {_container.Name}: {what}, exit {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown (the container stopped?)"}. {result.StandardError}".Trim(),
            manifest.Id, $"Read pg_restore's message above; `docker logs --tail 50 {_container.Name}` shows the server's side. Test-FrostBackup -Restore checks a backup without touching {_session.Config.Database.Name}.");

    private static async Task FeedAsync(IAttachedStream stdin, byte[]? firstLine, string path, FrostBackupCompression compression, CancellationToken cancellationToken, ProgressMeter? progress = null)
    {
        if (firstLine is not null)
        {
            await stdin.WriteAsync(firstLine, cancellationToken).ConfigureAwait(false);
        }

        await using var file = PrivateFiles.OpenRead(path, ChunkSize);
        await using Stream archive = compression == FrostBackupCompression.Zstd ? new DecompressionStream(file, ChunkSize, checkEndOfStream: true, leaveOpen: true) : file;
        var buffer = new byte[ChunkSize];
        long total = 0;
        int read;
        while ((read = await archive.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await stdin.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            total += read;
            progress?.Report(total, total);
        }
    }

    private async Task<int> ServerMajorAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int / 10000", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<int> ServerPortAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT current_setting('port')::int", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
