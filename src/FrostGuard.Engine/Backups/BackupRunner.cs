using System.Diagnostics;
using System.Globalization;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Invoke-FrostBackup, one pipeline for every format: options checked, the root's lock, what
/// dead runs left removed, an intent written before any file, preflight (space, versions),
/// an exported snapshot, the format's dump into <c>&lt;id&gt;.partial</c>, verification, the sealed
/// configuration, then the output placed and the manifest written last: the backup exists from
/// that moment. Anything that fails leaves no file behind. The format (<see cref="CustomDump"/>,
/// <see cref="DirectoryDump"/>) decides only how pg_dump runs and where its output goes.
/// </summary>
public sealed class BackupRunner
{
    public const int ProgressActivity = 51;

    private readonly FrostSession _session;
    private readonly IBackupWork _work;

    /// <param name="work">What the backup asks of Docker and the database; for real by default.</param>
    public BackupRunner(FrostSession session, IBackupWork? work = null)
    {
        _session = session;
        _work = work ?? new BackupWork(session);
    }

    public static IDumpFormat FormatOf(BackupRequest request) =>
        request.Format == FrostBackupFormat.Directory ? new DirectoryDump() : new CustomDump();

    public async Task<FrostBackup> RunAsync(BackupRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        request.Check();
        var format = FormatOf(request);
        var compression = request.EffectiveCompression;
        var database = request.Database ?? _session.Config.Database.Name;
        var root = Path.GetFullPath(request.Destination ?? _session.BackupRoot);
        using var backupLock = BackupLock.AcquireCreatingRoot(root, "backup of " + database);
        if (request.Format == FrostBackupFormat.Directory)
        {
            foreach (var removed in await _work.RemoveLeftoverJobsAsync(root, cancellationToken).ConfigureAwait(false))
            {
                reporter.Warning($"Removed the container {removed}, left by a backup that did not finish.");
            }
        }

        RemoveLeftovers(root, reporter);

        var clock = Stopwatch.StartNew();
        var created = DateTimeOffset.UtcNow;
        var id = NewId(root, database, created);
        var partial = Path.Combine(root, id + ".partial");
        var final = Path.Combine(root, format.FinalName(id, compression));
        var manifestPath = BackupManifest.PathFor(root, id);
        string? sealedConfig = null;
        // Before any file of the backup exists: a process killed from here on leaves the intent, and the next run in the root cleans up.
        BackupIntent.Begin(root, id, BackupIntent.Create);
        try
        {
            await using var source = await _work.OpenSourceAsync(database, root, reporter, cancellationToken).ConfigureAwait(false);
            var server = source.Server;
            reporter.Verbose($"snapshot {source.SnapshotId}: {string.Join(", ", source.Tables.Select(t => $"{t.QualifiedName}={t.Rows}"))}");
            var checksums = source.StartChecksums(cancellationToken);
            var dumped = await source.DumpAsync(format, request, root, id, partial, reporter, cancellationToken).ConfigureAwait(false);

            var manifest = new BackupManifest
            {
                Id = id,
                Database = database,
                Created = created,
                DatabaseBytes = server.DatabaseBytes,
                File = Path.GetFileName(final),
                SizeBytes = dumped.SizeBytes,
                DumpBytes = dumped.DumpBytes,
                Sha256 = dumped.Sha256,
                Format = request.Format,
                Compression = compression,
                ServerVersion = server.Version,
                PgDumpVersion = source.PgDumpVersion,
                Label = request.Label,
                Snapshot = source.SnapshotId,
                Tables = source.Tables,
                Files = dumped.Files,
                Jobs = dumped.Jobs,
                Checksums = await checksums.ConfigureAwait(false),
            };

            if (request.Verify)
            {
                var entries = await source.VerifyArchiveAsync(partial, manifest, reporter, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"verified {partial}: checksums match, pg_restore --list reads {entries} entries");
                manifest = manifest with { Verified = true };
            }

            if (request.ConfigKey is { } configKey)
            {
                var config = _session.Config;
                manifest = manifest with { Config = ConfigArchive.DeploymentArchive.Write(root, id, config.Project.Directory, config.SourcePath, configKey, reporter) };
                sealedConfig = Path.Combine(root, manifest.Config.File);
            }

            manifest = manifest with { DurationSeconds = clock.Elapsed.TotalSeconds };
            BackupIntent.Commit(root, manifest, final, () => format.Place(partial, final));

            reporter.Verbose($"backup {id}: {dumped.SizeBytes / 1048576.0:N1} MB{(dumped.Files is { } files ? $" in {files.Count} files" : $" ({dumped.DumpBytes / 1048576.0:N1} MB from pg_dump)")} in {clock.Elapsed.TotalSeconds:N1} s");
            return manifest.ToBackup(root);
        }
        catch
        {
            format.Discard(partial);
            if (!File.Exists(manifestPath))
            {
                // Placed but never committed: not a backup.
                format.Discard(final);
                if (sealedConfig is not null)
                {
                    File.Delete(sealedConfig);
                }
            }

            BackupIntent.Abandon(root, id);
            throw;
        }
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
}
