using System.Diagnostics;
using System.Globalization;
using FrostGuard.Engine.Backups.Wal;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>What Invoke-FrostBackup -Physical asks for.</summary>
public sealed record BaseBackupRequest(string? Destination, string? Label);

/// <summary>
/// Invoke-FrostBackup -Physical: pg_basebackup of the whole cluster in plain format (WAL streamed
/// alongside, so the copy is consistent on its own) in a short-lived container of the database's
/// image, as the replication role of walArchive; pg_verifybackup over the copy; then the data folder
/// as a zstd-compressed tar, checksummed, and the manifest written last. The same root, lock,
/// intent and leftovers as a logical backup: anything that fails leaves no file behind.
/// </summary>
public sealed class BaseBackupRunner
{
    private readonly FrostSession _session;

    public BaseBackupRunner(FrostSession session) => _session = session;

    /// <summary>The group retention and the catalog give a cluster's base backups (they back up every database at once).</summary>
    public static string ClusterName(string project) => "cluster:" + project;

    public async Task<FrostBackup> RunAsync(BaseBackupRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(request.Destination ?? _session.BackupRoot);
        var cluster = ClusterName(_session.Config.Project.Name);
        using var backupLock = BackupLock.AcquireCreatingRoot(root, "base backup of " + cluster);
        var password = PgPassWrapper.PasswordLine(_session.ReplicationPassword);
        var settings = _session.Config.WalArchive;
        foreach (var removed in await JobContainer.RemoveLeftoversAsync(_session.Docker, root, cancellationToken).ConfigureAwait(false))
        {
            reporter.Warning($"Removed the container {removed}, left by a backup that did not finish.");
        }

        BackupRunner.RemoveLeftovers(root, reporter);
        var clock = Stopwatch.StartNew();
        var created = DateTimeOffset.UtcNow;
        var id = BackupRunner.NewId(root, _session.Config.Project.Name + "-base", created);
        var partial = Path.Combine(root, id + ".partial");
        var data = Path.Combine(partial, "data");
        var final = Path.Combine(root, BackupManifest.BaseArchiveName(id));
        var manifestPath = BackupManifest.PathFor(root, id);
        var progress = new ProgressUpdate(BackupRunner.ProgressActivity, $"Base backup of {cluster} to {final}", "");
        void Step(int number, string what) => reporter.Progress(progress with { Status = $"Step {number} of 4: {what}", PercentComplete = (number - 1) * 25 });

        BackupIntent.Begin(root, id, BackupIntent.Create);
        try
        {
            var postgres = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
            var (version, systemId, segmentSize) = await ReadServerAsync(cancellationToken).ConfigureAwait(false);
            var major = int.Parse(version, CultureInfo.InvariantCulture) / 10000;
            var (basebackup, toolVersion) = await postgres.LocateToolAsync("pg_basebackup", major, cancellationToken).ConfigureAwait(false);
            var (verifier, _) = await postgres.LocateToolAsync("pg_verifybackup", major, cancellationToken).ConfigureAwait(false);
            var job = await JobContainer.FromAsync(_session.Docker, postgres, cancellationToken).ConfigureAwait(false);
            OwnedFolder.Create(partial, job.NumericUser());

            Step(1, "pg_basebackup");
            var connection = $"host={_session.Config.Database.Host} port={_session.Config.Database.Port.ToString(CultureInfo.InvariantCulture)} user={settings.User} application_name=frostguard_base_backup";
            var copy = await job.RunAsync("pg-basebackup", root,
                [basebackup, "--pgdata=" + data, "--format=plain", "--wal-method=stream", "--checkpoint=fast", "--no-password",
                 "--label=FrostGuard " + id, "--manifest-checksums=SHA256", "--dbname=" + connection],
                [new JobMount(partial, ReadOnly: false)], password, (_, _) => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
            if (!copy.Succeeded)
            {
                throw Failed($"pg_basebackup in a container of {job.Image} failed (exit {copy.ExitCode}): {copy.StandardError.Trim()}",
                    $"Check that the role {settings.User} has REPLICATION and that pg_hba.conf lets it in for \"replication\" from {_session.Config.Database.Host}; Enable-FrostWalArchive checks both.");
            }

            var finished = DateTimeOffset.UtcNow;
            Step(2, "pg_verifybackup");
            var verify = await job.RunAsync("pg-verifybackup", root, [verifier, "--quiet", data],
                [new JobMount(partial, ReadOnly: true)], null, (_, _) => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
            if (!verify.Succeeded)
            {
                throw Failed($"pg_verifybackup found the copy damaged (exit {verify.ExitCode}): {verify.StandardError.Trim()}",
                    "Take the base backup again; if it fails the same way, check the database server's disk (dmesg) before trusting any copy of it.");
            }

            var label = BackupLabel.Read(data);
            var dataBytes = new DirectoryInfo(data).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            CrashPoints.Commit(CrashPoints.BaseBackupCopied, data);

            Step(3, $"compressing {dataBytes / 1048576.0:N0} MB");
            var written = await DataFolderArchive.WriteAsync(data, Path.Combine(partial, "base.tar.zst"), cancellationToken).ConfigureAwait(false);
            Directory.Delete(data, recursive: true);

            Step(4, "manifest");
            var manifest = new BackupManifest
            {
                Id = id,
                Database = cluster,
                Created = created,
                File = Path.GetFileName(final),
                SizeBytes = written.Bytes,
                DumpBytes = dataBytes,
                DatabaseBytes = dataBytes,
                Sha256 = written.Sha256,
                Format = FrostBackupFormat.Physical,
                Compression = FrostBackupCompression.Zstd,
                ServerVersion = version,
                PgDumpVersion = toolVersion,
                Label = request.Label,
                Verified = true,
                Physical = new PhysicalBackupFacts(
                    Lsn.Format(label.StartLsn), Lsn.Format(label.EndLsn), label.Timeline, label.StartTime ?? created, finished, systemId, segmentSize, dataBytes, label.StartSegment),
                DurationSeconds = clock.Elapsed.TotalSeconds,
            };
            BackupIntent.Commit(root, manifest, final, () =>
            {
                File.Move(Path.Combine(partial, "base.tar.zst"), final);
                Posix.SyncDirectory(root);
            });

            Directory.Delete(partial, recursive: true);
            reporter.Progress(progress with { Status = "done", Completed = true });
            reporter.Verbose($"base backup {id}: {dataBytes / 1048576.0:N1} MB of data folder, {written.Bytes / 1048576.0:N1} MB compressed, WAL {manifest.Physical.StartLsn}..{manifest.Physical.EndLsn} on timeline {label.Timeline}, in {clock.Elapsed.TotalSeconds:N1} s");
            return manifest.ToBackup(root);
        }
        catch
        {
            reporter.Progress(progress with { Status = "failed", Completed = true });
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }

            if (!File.Exists(manifestPath) && File.Exists(final))
            {
                File.Delete(final);
            }

            BackupIntent.Abandon(root, id);
            throw;
        }
    }

    private async Task<(string Version, string SystemId, long SegmentSize)> ReadServerAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT current_setting('server_version_num'), (SELECT system_identifier::text FROM pg_control_system()),
                   (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
    }

    private static FrostException Failed(string message, string action) =>
        new(ErrorIds.BackupFailed, FailureKind.OperationFailed, message + " No backup was recorded.", "pg_basebackup", action);
}
