using System.Diagnostics;
using System.Globalization;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;
using Npgsql;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Invoke-FrostBackup: pg_dump inside the database container, streamed through FrostGuard's
/// compressor and SHA-256 into <c>&lt;id&gt;.partial</c>, synced, then the manifest written
/// last and both renamed into place. Anything that fails leaves no file behind.
/// </summary>
public sealed class BackupRunner
{
    public const int ProgressActivity = 51;

    private readonly FrostSession _session;

    public BackupRunner(FrostSession session) => _session = session;

    public async Task<FrostBackup> RunAsync(BackupRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (request.Format == FrostBackupFormat.Directory)
        {
            return await new DirectoryBackupRunner(_session).RunAsync(request, reporter, cancellationToken).ConfigureAwait(false);
        }

        if (request.Jobs > 1)
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                "-Jobs needs -Format Directory: pg_dump writes the custom format with one job.", "Jobs",
                "Add -Format Directory, or leave -Jobs out.");
        }

        var config = _session.Config;
        var database = request.Database ?? config.Database.Name;
        var root = Path.GetFullPath(request.Destination ?? _session.BackupRoot);
        try
        {
            PrivateFiles.CreateFolder(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BackupErrors.NotWritable(root, e);
        }

        using var backupLock = BackupLock.Acquire(root, "backup of " + database);
        RemoveLeftovers(root, reporter);

        var clock = Stopwatch.StartNew();
        var created = DateTimeOffset.UtcNow;
        var id = NewId(root, database, created);
        var partial = Path.Combine(root, id + ".partial");
        var manifestPath = BackupManifest.PathFor(root, id);
        var archivePath = Path.Combine(root, BackupManifest.ArchiveName(id, request.Compression));
        // Before any file of the backup exists: a process killed from here on leaves the intent, and the next run in the root cleans up.
        BackupIntent.Begin(root, id, BackupIntent.Create);
        try
        {
            await using var connection = await _session.Database.OpenAsync(cancellationToken, database).ConfigureAwait(false);
            var server = await Preflight.CheckAsync(connection, root, reporter, cancellationToken).ConfigureAwait(false);
            var container = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
            var (pgDump, pgDumpVersion) = await container.LocateToolAsync("pg_dump", server.Major, cancellationToken).ConfigureAwait(false);
            Preflight.CheckToolVersion("pg_dump", pgDumpVersion, server, container.Name);
            reporter.Verbose($"pg_dump {pgDumpVersion} in {container.Name}, server {server.Version}, database {database} of {server.DatabaseBytes / 1048576.0:N1} MB");

            await using var snapshot = await DumpSnapshot.ExportAsync(connection, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"snapshot {snapshot.Id}: {string.Join(", ", snapshot.Tables.Select(t => $"{t.QualifiedName}={t.Rows}"))}");
            var checksums = snapshot.StartChecksums(cancellationToken);

            var command = new List<string>
            {
                pgDump, "--format=custom", "--no-password",
                "--host=127.0.0.1", "--port=" + server.Port.ToString(CultureInfo.InvariantCulture),
                "--username=" + config.Database.User, "--dbname=" + database, "--snapshot=" + snapshot.Id,
            };
            if (request.Compression != FrostBackupCompression.Gzip)
            {
                command.Add("--compress=0");
            }

            var (fifo, whyNoFifo) = config.Database.DumpOutput == DumpOutputs.Stdout
                ? (null, $"database.dumpOutput is '{DumpOutputs.Stdout}' in {config.SourcePath}")
                : await ContainerFifo.TryCreateAsync(_session.Docker, container.ContainerId, container.Name, cancellationToken,
                    left => reporter.Warning($"Removed {left}, a FIFO a backup whose process died left in {container.Name}.")).ConfigureAwait(false);
            using var output = fifo;
            if (output is not null)
            {
                // --no-sync: pg_dump's closing fsync fails on a FIFO (EINVAL); FrostGuard syncs its own file.
                command.AddRange(["--file=" + output.PathInContainer, "--no-sync"]);
                reporter.Verbose($"pg_dump writes to {output.PathInContainer} in {container.Name}, read here as {output.HostPath}");
            }
            else
            {
                reporter.Verbose($"pg_dump writes to the exec's stdout ({whyNoFifo})");
            }

            long size;
            string sha256;
            long dumpBytes;
            var password = PgPassWrapper.PasswordLine(_session.DatabasePassword);
            await using (var writer = new ArchiveWriter(partial, request.Compression))
            {
                var progress = new ProgressMeter(reporter, ProgressActivity, $"Backing up {database} to {root}");
                var dumping = true;
                ExecResult result;
                try
                {
                    result = await container.Exec.RunAsync(PgPassWrapper.Wrap(command),
                        async (stdin, ct) => await stdin.WriteAsync(password, ct).ConfigureAwait(false),
                        async (chunk, ct) =>
                        {
                            await writer.WriteAsync(chunk, ct).ConfigureAwait(false);
                            progress.Report(writer.InputBytes, writer.OutputBytes);
                            if (dumping)
                            {
                                dumping = false;
                                CrashPoints.Reach(CrashPoints.BackupDumping);
                            }
                        },
                        cancellationToken, output).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw BackupErrors.WriteFailed(partial, e);
                }
                finally
                {
                    progress.Complete();
                }

                if (!result.Succeeded)
                {
                    throw DumpFailed(database, container, result);
                }

                try
                {
                    (size, sha256) = await writer.CompleteAsync().ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw BackupErrors.WriteFailed(partial, e);
                }

                dumpBytes = writer.InputBytes;
            }

            if (size == 0)
            {
                throw DumpFailed(database, container, new ExecResult(0, "pg_dump wrote nothing", null));
            }

            var manifest = new BackupManifest
            {
                Id = id,
                Database = database,
                Created = created,
                DatabaseBytes = server.DatabaseBytes,
                File = Path.GetFileName(archivePath),
                SizeBytes = size,
                DumpBytes = dumpBytes,
                Sha256 = sha256,
                Compression = request.Compression,
                ServerVersion = server.Version,
                PgDumpVersion = pgDumpVersion,
                Label = request.Label,
                Snapshot = snapshot.Id,
                Tables = snapshot.Tables,
                Checksums = await checksums.ConfigureAwait(false),
            };

            if (request.Verify)
            {
                var verifier = new BackupVerifier(_session, container);
                var entries = await verifier.VerifyArchiveAsync(partial, manifest, reporter, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"verified {partial}: checksum matches, pg_restore --list reads {entries} entries");
                manifest = manifest with { Verified = true };
            }

            if (request.ConfigKey is { } configKey)
            {
                manifest = manifest with
                {
                    Config = ConfigArchive.DeploymentArchive.Write(root, id, config.Project.Directory, config.SourcePath, configKey, reporter),
                };
            }

            manifest = manifest with { DurationSeconds = clock.Elapsed.TotalSeconds };
            CrashPoints.Commit(CrashPoints.BackupDumped, partial);
            try
            {
                File.Move(partial, archivePath);
                CrashPoints.Commit(CrashPoints.BackupFilesPlaced, archivePath);
                manifest.Write(manifestPath); // the commit point: from here the backup exists
                CrashPoints.Commit(CrashPoints.BackupCommitted, manifestPath);
                BackupIntent.End(root, id);
            }
            catch (IOException e)
            {
                File.Delete(manifestPath);
                File.Delete(archivePath);
                if (manifest.Config is { } sealedConfig)
                {
                    File.Delete(Path.Combine(root, sealedConfig.File));
                }

                throw BackupErrors.WriteFailed(archivePath, e);
            }

            reporter.Verbose($"backup {id}: {size / 1048576.0:N1} MB ({dumpBytes / 1048576.0:N1} MB from pg_dump) in {clock.Elapsed.TotalSeconds:N1} s");
            return manifest.ToBackup(root);
        }
        catch
        {
            DeleteQuietly(partial);
            BackupIntent.Abandon(root, id);
            throw;
        }
    }

    internal static FrostException DumpFailed(string database, PostgresContainer container, ExecResult result)
    {
        var why = result.ExitCode is { } code
            ? $"pg_dump exited with code {code}"
            : "pg_dump's process was lost (the container stopped or restarted)";
        var detail = result.StandardError.Length > 0 ? ": " + result.StandardError : "";
        return new FrostException(ErrorIds.BackupFailed, FailureKind.OperationFailed,
            $"The backup of database {database} failed in container {container.Name}: {why}{detail}. No backup was recorded and the partial file was removed.",
            database, $"Check the database service (Get-FrostService {container.Service}) and its log (`docker logs --tail 50 {container.Name}`), then run Invoke-FrostBackup again.");
    }

    internal static string NewId(string root, string database, DateTimeOffset created)
    {
        var stem = $"{database}-{created.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var id = stem;
        for (var n = 2; File.Exists(BackupManifest.PathFor(root, id)) || Path.Exists(Path.Combine(root, id + ".partial")); n++)
        {
            id = $"{stem}-{n}";
        }

        return id;
    }

    /// <summary>Partial files of runs that died; safe to remove because this run holds the lock.</summary>
    internal static void RemoveLeftovers(string root, IFrostReporter reporter)
    {
        BackupIntent.Resolve(root, reporter);
        foreach (var leftover in Directory.EnumerateFiles(root, "*.partial"))
        {
            reporter.Warning($"Removing {leftover}, left by a backup that did not finish.");
            File.Delete(leftover);
        }

        foreach (var leftover in Directory.EnumerateDirectories(root, "*.partial"))
        {
            reporter.Warning($"Removing the folder {leftover}, left by a backup that did not finish.");
            Directory.Delete(leftover, recursive: true);
        }
    }

    private static void DeleteQuietly(string path)
    {
        // File.Delete does nothing when the file is absent; any other failure must surface.
        File.Delete(path);
    }
}
