using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Backups;

/// <summary>
/// The backup pipeline's decisions with Docker and the database faked (<see cref="IBackupWork"/>)
/// and the backup root real: what comes before what, and what is left in the root after which
/// failure. pg_dump, pg_restore and the snapshot are tested against the sandbox (Backups.Tests.ps1,
/// CrashConsistency.Tests.ps1).
/// </summary>
[Collection(nameof(FaultInjection))]
public sealed class BackupRunnerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FrostSession _session;
    private readonly FakeBackupWork _work = new();
    private readonly RecordingReporter _reporter = new();
    private readonly string _root;

    public BackupRunnerTests()
    {
        var deployment = Path.Combine(_folder.Path, "deploy");
        _folder.Write("deploy/compose.yaml", "services: {}\n");
        _session = UnitSessions.Open(_folder, deployment);
        _root = Path.Combine(_folder.Path, "backups");
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Conflicting_options_are_refused_before_the_root_is_made_or_anything_is_asked()
    {
        var e = await Assert.ThrowsAsync<FrostException>(() => Run(Request() with { Jobs = 2 }));

        Assert.Equal(ErrorIds.BackupOptionsConflict, e.ErrorId);
        Assert.False(Directory.Exists(_root));
        Assert.Empty(_work.Calls);
    }

    [Fact]
    public async Task A_root_another_run_holds_is_left_as_it_is()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "app-old.partial"), "a dump in progress");
        using var other = BackupLock.Acquire(_root, "another backup");

        var e = await Assert.ThrowsAsync<FrostException>(() => Run(Request() with { Format = FrostBackupFormat.Directory }));

        Assert.Equal(ErrorIds.BackupInProgress, e.ErrorId);
        Assert.Empty(_work.Calls);
        Assert.Equal(["app-old.partial"], Left());
    }

    [Fact]
    public async Task What_dead_runs_left_is_removed_under_the_lock_before_the_database_is_asked()
    {
        Directory.CreateDirectory(Path.Combine(_root, "app-old.partial"));
        File.WriteAllText(Path.Combine(_root, "app-older.partial"), "half a dump");
        _work.LeftoverJobs = ["frostguard-job-1"];

        await Run(Request() with { Format = FrostBackupFormat.Directory });

        Assert.Equal("remove jobs", _work.Calls[0]);
        Assert.DoesNotContain(_work.SeenAtOpen, n => n.StartsWith("app-old", StringComparison.Ordinal));
        Assert.Contains(_reporter.Warnings, w => w.Contains("Removed the container frostguard-job-1", StringComparison.Ordinal));
        Assert.Contains(_reporter.Warnings, w => w.Contains("app-older.partial", StringComparison.Ordinal));
        Assert.Contains(_reporter.Warnings, w => w.Contains("the folder", StringComparison.Ordinal) && w.Contains("app-old.partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_intent_is_written_before_the_database_is_asked_and_before_any_file_of_the_backup()
    {
        await Run(Request());

        var intent = _work.DumpId + BackupIntent.Extension;
        Assert.Equal([intent], _work.SeenAtOpen);
        Assert.Equal([intent], _work.SeenAtDump);
    }

    [Fact]
    public async Task A_backup_dumps_from_the_snapshot_then_places_the_archive_and_writes_the_manifest_naming_it()
    {
        var backup = await Run(Request());

        Assert.Equal(["open app", "checksums", $"dump CustomDump {backup.Id}.partial", "close"], _work.Calls);
        var archive = BackupManifest.ArchiveName(backup.Id, FrostBackupCompression.Zstd);
        Assert.Equal([archive, backup.Id + BackupManifest.Extension], Left());
        var manifest = BackupManifest.Read(backup.ManifestPath);
        Assert.Equal(archive, manifest.File);
        Assert.Equal(FakeBackupWork.Sha256, manifest.Sha256);
        Assert.Equal(FakeBackupWork.SnapshotId, manifest.Snapshot);
        Assert.Equal(3, Assert.Single(manifest.Tables).Rows);
        Assert.False(manifest.Verified);
        Assert.Equal(Path.Combine(_root, archive), backup.Path);
    }

    [Fact]
    public async Task A_directory_backup_places_its_folder()
    {
        var backup = await Run(Request() with { Format = FrostBackupFormat.Directory, Jobs = 2 });

        Assert.Equal([DirectoryArchive.FolderName(backup.Id), backup.Id + BackupManifest.Extension], Left());
        Assert.True(File.Exists(Path.Combine(_root, DirectoryArchive.FolderName(backup.Id), "toc.dat")));
    }

    [Theory]
    [InlineData(FrostBackupFormat.Custom)]
    [InlineData(FrostBackupFormat.Directory)]
    public async Task A_failed_dump_leaves_nothing_in_the_root_and_no_intent(FrostBackupFormat format)
    {
        _work.FailDump = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Run(Request() with { Format = format }));

        Assert.Equal(ErrorIds.BackupFailed, e.ErrorId);
        Assert.Empty(Left());
        Assert.Equal("close", _work.Calls[^1]);
    }

    [Fact]
    public async Task A_database_that_cannot_be_opened_leaves_no_intent_behind()
    {
        _work.FailOpen = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Run(Request()));

        Assert.Equal(ErrorIds.DatabaseUnreachable, e.ErrorId);
        Assert.Empty(Left());
    }

    [Fact]
    public async Task A_verified_backup_is_read_back_from_the_partial_file_before_it_is_placed()
    {
        var backup = await Run(Request() with { Verify = true });

        Assert.Equal($"verify {backup.Id}.partial", _work.Calls[^2]);
        Assert.Equal([backup.Id + BackupIntent.Extension, backup.Id + ".partial"], _work.SeenAtVerify);
        Assert.True(BackupManifest.Read(backup.ManifestPath).Verified);
    }

    [Fact]
    public async Task A_backup_that_does_not_read_back_is_not_a_backup()
    {
        _work.FailVerify = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Run(Request() with { Verify = true }));

        Assert.Equal(ErrorIds.BackupArchiveUnreadable, e.ErrorId);
        Assert.Empty(Left());
    }

    [Fact]
    public async Task A_failure_once_the_files_are_placed_removes_the_archive_and_the_sealed_configuration()
    {
        using var key = Key();
        using (FaultInjection.At(CrashPoints.BackupFilesPlaced))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => Run(Request() with { ConfigKey = key }));
        }

        Assert.Empty(Left());
    }

    [Fact]
    public async Task Once_the_manifest_is_written_a_later_failure_keeps_the_backup()
    {
        using (FaultInjection.At(CrashPoints.BackupCommitted))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => Run(Request()));
        }

        var id = _work.DumpId;
        Assert.Equal([BackupManifest.ArchiveName(id, FrostBackupCompression.Zstd), id + BackupManifest.Extension], Left());
    }

    [Fact]
    public async Task A_sealed_configuration_is_named_in_the_manifest_beside_the_archive()
    {
        using var key = Key();

        var backup = await Run(Request() with { ConfigKey = key });

        var sealedName = DeploymentArchive.FileName(backup.Id);
        Assert.Equal(sealedName, BackupManifest.Read(backup.ManifestPath).Config?.File);
        Assert.Contains(sealedName, Left());
    }

    private Task<FrostBackup> Run(BackupRequest request) => new BackupRunner(_session, _work).RunAsync(request, _reporter, CancellationToken.None);

    private BackupRequest Request() => new() { Destination = _root };

    /// <summary>What is in the root, but the lock file every run leaves.</summary>
    private IReadOnlyList<string> Left() =>
        Directory.EnumerateFileSystemEntries(_root).Select(p => Path.GetFileName(p)).Where(n => n != BackupLock.FileName).Order(StringComparer.Ordinal).ToList();

    private ConfigArchiveKey Key() => ConfigArchiveKey.FromKeyFile(_folder.Write("config.key", new string('k', ConfigArchiveKey.MinimumKeyFileBytes)));

    private sealed class FakeBackupWork : IBackupWork
    {
        public const string Sha256 = "5ha256";
        public const string SnapshotId = "00000003-0000001B-1";

        public List<string> Calls { get; } = [];
        public IReadOnlyList<string> LeftoverJobs { get; set; } = [];
        public bool FailOpen { get; set; }
        public bool FailDump { get; set; }
        public bool FailVerify { get; set; }
        public string DumpId { get; private set; } = "";
        public IReadOnlyList<string> SeenAtOpen { get; private set; } = [];
        public IReadOnlyList<string> SeenAtDump { get; private set; } = [];
        public IReadOnlyList<string> SeenAtVerify { get; private set; } = [];

        public Task<IReadOnlyList<string>> RemoveLeftoverJobsAsync(string root, CancellationToken cancellationToken)
        {
            Calls.Add("remove jobs");
            return Task.FromResult(LeftoverJobs);
        }

        public Task<IBackupSource> OpenSourceAsync(string database, string root, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Calls.Add($"open {database}");
            SeenAtOpen = Names(root);
            return FailOpen
                ? Task.FromException<IBackupSource>(new FrostException(ErrorIds.DatabaseUnreachable, FailureKind.ConnectionFailed, "connection refused", database, "Start the database."))
                : Task.FromResult<IBackupSource>(new Source(this));
        }

        private static IReadOnlyList<string> Names(string root) =>
            Directory.EnumerateFileSystemEntries(root).Select(p => Path.GetFileName(p)).Where(n => n != BackupLock.FileName).Order(StringComparer.Ordinal).ToList();

        private sealed class Source(FakeBackupWork work) : IBackupSource
        {
            public ServerFacts Server { get; } = new("15.6", 15, 5432, 1 << 20);
            public string PgDumpVersion => "15.6";
            public string SnapshotId => FakeBackupWork.SnapshotId;
            public IReadOnlyList<TableRowCount> Tables { get; } = [new("public", "orders", 3)];

            public Task<IReadOnlyList<TableChecksum>> StartChecksums(CancellationToken cancellationToken)
            {
                work.Calls.Add("checksums");
                return Task.FromResult<IReadOnlyList<TableChecksum>>([]);
            }

            public Task<DumpOutput> DumpAsync(IDumpFormat format, BackupRequest request, string root, string id, string partial, IFrostReporter reporter, CancellationToken cancellationToken)
            {
                work.Calls.Add($"dump {format.GetType().Name} {Path.GetFileName(partial)}");
                work.DumpId = id;
                work.SeenAtDump = Names(root);
                if (format is DirectoryDump)
                {
                    Directory.CreateDirectory(partial);
                    File.WriteAllText(Path.Combine(partial, "toc.dat"), "toc");
                }
                else
                {
                    File.WriteAllText(partial, "dump");
                }

                return work.FailDump
                    ? Task.FromException<DumpOutput>(new FrostException(ErrorIds.BackupFailed, FailureKind.OperationFailed, "pg_dump exited with code 1", "app", "Check the database."))
                    : Task.FromResult(new DumpOutput(4, 4, Sha256));
            }

            public Task<int> VerifyArchiveAsync(string path, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken)
            {
                work.Calls.Add($"verify {Path.GetFileName(path)}");
                work.SeenAtVerify = Names(Path.GetDirectoryName(path)!);
                return work.FailVerify
                    ? Task.FromException<int>(new FrostException(ErrorIds.BackupArchiveUnreadable, FailureKind.InvalidData, "pg_restore --list read 0 entries", manifest.Id, "Use another backup."))
                    : Task.FromResult(7);
            }

            public ValueTask DisposeAsync()
            {
                work.Calls.Add("close");
                return ValueTask.CompletedTask;
            }
        }
    }
}
