using System.Diagnostics;
using System.Globalization;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Invoke-FrostBackup -Format Directory: pg_dump -Fd -j N in a short-lived container from the
/// database service's own image (<see cref="JobContainer"/>), writing into
/// <c>&lt;id&gt;.partial/</c> (the only folder of the backup root it can write). The container's
/// exit code decides; then every file is hashed and fsynced, the folder renamed to
/// <c>&lt;id&gt;.dir</c> and the manifest (a SHA-256 per file, one over the list, the snapshot's row
/// counts and content checksums) written last. Anything that fails removes the folder and the
/// container.
/// </summary>
public sealed class DirectoryBackupRunner
{
    /// <summary>pg_dump 15 compresses a directory archive's files with gzip only; level 1 is several times faster than its default 6 for a slightly larger dump, as the default format uses zstd level 1.</summary>
    public const int GzipLevel = 1;

    private readonly FrostSession _session;

    public DirectoryBackupRunner(FrostSession session) => _session = session;

    public async Task<FrostBackup> RunAsync(BackupRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (request.Compression == FrostBackupCompression.Zstd)
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                "-Format Directory cannot use -Compression Zstd: pg_dump 15 writes a directory archive's files with gzip or uncompressed only.", "Compression",
                "Use -Format Directory -Compression Gzip (the default for the directory format) or -Compression None, or -Format Custom for zstd.");
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
        foreach (var removed in await JobContainer.RemoveLeftoversAsync(_session.Docker, root, cancellationToken).ConfigureAwait(false))
        {
            reporter.Warning($"Removed the container {removed}, left by a backup that did not finish.");
        }

        BackupRunner.RemoveLeftovers(root, reporter);

        var clock = Stopwatch.StartNew();
        var created = DateTimeOffset.UtcNow;
        var id = BackupRunner.NewId(root, database, created);
        var partial = Path.Combine(root, id + ".partial");
        var folder = Path.Combine(root, DirectoryArchive.FolderName(id));
        var manifestPath = BackupManifest.PathFor(root, id);
        var renamed = false;
        string? sealedConfig = null;
        BackupIntent.Begin(root, id, BackupIntent.Create);
        try
        {
            await using var connection = await _session.Database.OpenAsync(cancellationToken, database).ConfigureAwait(false);
            var server = await Preflight.CheckAsync(connection, root, reporter, cancellationToken).ConfigureAwait(false);
            var postgres = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
            var (pgDump, pgDumpVersion) = await postgres.LocateToolAsync("pg_dump", server.Major, cancellationToken).ConfigureAwait(false);
            Preflight.CheckToolVersion("pg_dump", pgDumpVersion, server, postgres.Name);
            var job = await JobContainer.FromAsync(_session.Docker, postgres, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"pg_dump {pgDumpVersion} from image {job.Image} of {postgres.Name} as user '{job.User}', {request.Jobs} jobs, server {server.Version}, database {database} of {server.DatabaseBytes / 1048576.0:N1} MB");

            // The folder pg_dump writes into, owned by the user it runs as; nothing else of the root is mounted.
            CreateOwnedFolder(partial, job.NumericUser());

            await using var snapshot = await DumpSnapshot.ExportAsync(connection, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"snapshot {snapshot.Id}: {string.Join(", ", snapshot.Tables.Select(t => $"{t.QualifiedName}={t.Rows}"))}");
            var checksums = snapshot.StartChecksums(cancellationToken);

            var command = new List<string>
            {
                pgDump, "--format=directory", "--jobs=" + request.Jobs.ToString(CultureInfo.InvariantCulture),
                "--compress=" + (request.Compression == FrostBackupCompression.Gzip ? GzipLevel : 0).ToString(CultureInfo.InvariantCulture),
                "--no-password", "--file=" + partial,
                "--host=127.0.0.1", "--port=" + server.Port.ToString(CultureInfo.InvariantCulture),
                "--username=" + config.Database.User, "--dbname=" + database, "--snapshot=" + snapshot.Id,
            };
            var progress = new ProgressMeter(reporter, BackupRunner.ProgressActivity, $"Backing up {database} to {folder} ({request.Jobs} jobs)");
            ExecResult result;
            try
            {
                var dump = job.RunAsync("pg-dump", root, command, [new JobMount(partial, ReadOnly: false)],
                    PgPassWrapper.PasswordLine(_session.DatabasePassword), (_, _) => ValueTask.CompletedTask, cancellationToken);
                result = await ReportWhileRunning(dump, partial, progress).ConfigureAwait(false);
            }
            finally
            {
                progress.Complete();
            }

            if (!result.Succeeded)
            {
                throw DumpFailed(database, postgres, job, result);
            }

            IReadOnlyList<BackupFileEntry> files;
            try
            {
                RestoreOwnership(partial);
                PrivateFiles.Restrict(partial); // pg_dump's umask is its own
                files = await DirectoryArchive.HashAsync(partial, sync: true, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw BackupErrors.WriteFailed(partial, e);
            }

            if (!files.Any(f => f.Name == "toc.dat"))
            {
                throw DumpFailed(database, postgres, job, new ExecResult(0, "pg_dump wrote no toc.dat", null));
            }

            var manifest = new BackupManifest
            {
                Id = id,
                Database = database,
                Created = created,
                DatabaseBytes = server.DatabaseBytes,
                File = Path.GetFileName(folder),
                SizeBytes = files.Sum(f => f.SizeBytes),
                DumpBytes = files.Sum(f => f.SizeBytes),
                Sha256 = DirectoryArchive.ListDigest(files),
                Format = nameof(FrostBackupFormat.Directory),
                Compression = request.Compression,
                ServerVersion = server.Version,
                PgDumpVersion = pgDumpVersion,
                Label = request.Label,
                Snapshot = snapshot.Id,
                Tables = snapshot.Tables,
                Files = files,
                Jobs = request.Jobs,
                Checksums = await checksums.ConfigureAwait(false),
            };

            if (request.Verify)
            {
                var verifier = new BackupVerifier(_session, postgres);
                var entries = await verifier.VerifyArchiveAsync(partial, manifest, reporter, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"verified {partial}: checksums match, pg_restore --list reads {entries} entries");
                manifest = manifest with { Verified = true };
            }

            if (request.ConfigKey is { } configKey)
            {
                manifest = manifest with
                {
                    Config = ConfigArchive.DeploymentArchive.Write(root, id, _session.Config.Project.Directory, _session.Config.SourcePath, configKey, reporter),
                };
                sealedConfig = Path.Combine(root, manifest.Config.File);
            }

            manifest = manifest with { DurationSeconds = clock.Elapsed.TotalSeconds };
            try
            {
                Directory.Move(partial, folder);
                renamed = true;
                CrashPoints.Commit(CrashPoints.BackupFilesPlaced, folder);
                manifest.Write(manifestPath); // the commit point: from here the backup exists
                CrashPoints.Commit(CrashPoints.BackupCommitted, manifestPath);
                BackupIntent.End(root, id);
            }
            catch (IOException e)
            {
                File.Delete(manifestPath);
                throw BackupErrors.WriteFailed(folder, e);
            }

            reporter.Verbose($"backup {id}: {files.Count} files, {manifest.SizeBytes / 1048576.0:N1} MB in {clock.Elapsed.TotalSeconds:N1} s");
            return manifest.ToBackup(root);
        }
        catch
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }

            if (sealedConfig is not null && !File.Exists(manifestPath))
            {
                File.Delete(sealedConfig);
            }

            if (renamed && Directory.Exists(folder) && !File.Exists(manifestPath))
            {
                Directory.Delete(folder, recursive: true);
            }

            BackupIntent.Abandon(root, id);

            throw;
        }
    }

    private static async Task<ExecResult> ReportWhileRunning(Task<ExecResult> dump, string partial, ProgressMeter progress)
    {
        // Progress from the folder's size, read twice a second while pg_dump writes it.
        while (await Task.WhenAny(dump, Task.Delay(500)).ConfigureAwait(false) != dump)
        {
            long bytes = 0;
            try
            {
                bytes = new DirectoryInfo(partial).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // a file renamed or removed while it was read: the next look counts it
            }

            progress.Report(bytes, bytes);
        }

        return await dump.ConfigureAwait(false);
    }

    private static void CreateOwnedFolder(string path, (int Uid, int Gid)? owner)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("the directory format runs pg_dump in a Linux container beside the Docker Engine");
            }

            PrivateFiles.CreateFolder(path);
            if (owner is { } o && (o.Uid != Posix.EffectiveUserId))
            {
                Posix.Chown(path, o.Uid, o.Gid);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BackupErrors.NotWritable(Path.GetDirectoryName(path)!, e);
        }
    }

    /// <summary>The files pg_dump wrote belong to the database's uid: give them to this process's user, as the default format's files are (links are not followed).</summary>
    private static void RestoreOwnership(string folder)
    {
        var uid = Posix.EffectiveUserId;
        var gid = Posix.EffectiveGroupId;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Append(folder))
        {
            Posix.Chown(entry, uid, gid);
        }
    }

    private FrostException DumpFailed(string database, PostgresContainer postgres, JobContainer job, ExecResult result)
    {
        var why = result.ExitCode is { } code
            ? $"pg_dump exited with code {code}"
            : "pg_dump's container was lost";
        var detail = result.StandardError.Length > 0 ? ": " + result.StandardError : "";
        return new FrostException(ErrorIds.BackupFailed, FailureKind.OperationFailed,
            $"The directory backup of database {database} failed in a job container from the image of {postgres.Name} ({job.Image}): {why}{detail}. No backup was recorded; the partial folder and the container were removed.",
            database, $"Check the database service (Get-FrostService {postgres.Service}) and its log (`docker logs --tail 50 {postgres.Name}`), then run Invoke-FrostBackup -Format Directory again.");
    }
}
