using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Backups;

/// <summary>
/// Test-FrostBackup's decisions with its work faked (<see cref="IBackupTestWork"/>): what stops a
/// test before a throwaway database exists, that the throwaway database is dropped whatever
/// happened, and what a failure names. pg_restore into a real cluster is tested against the
/// sandbox (Backups.Tests.ps1).
/// </summary>
public sealed class BackupTesterTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FrostSession _session;
    private readonly FakeBackupTestWork _work = new();
    private readonly RecordingReporter _reporter = new();

    public BackupTesterTests()
    {
        _session = UnitSessions.Open(_folder);
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Without_a_restore_test_the_archive_is_read_and_no_database_is_touched()
    {
        var test = await Test(restore: false);

        Assert.Equal(["find database", "verify b1"], _work.Calls);
        Assert.True(test.Passed);
        Assert.Equal(7, test.ArchiveEntries);
        Assert.False(test.Restored);
    }

    [Fact]
    public async Task A_restore_test_creates_a_throwaway_database_restores_inspects_and_drops_it_under_the_cluster_lock()
    {
        var test = await Test();

        Assert.Equal(
            ["find database", "verify b1", "lock cluster", "list throwaway", "free space", "create <scratch>", "restore into <scratch>", "inspect <scratch>", "drop <scratch>", "unlock cluster"],
            Calls());
        Assert.True(test.Passed);
        Assert.True(test.Restored);
        Assert.True(test.RowCountsMatch);
        Assert.Null(test.ContentMatches); // the manifest has no content checksums
    }

    [Fact]
    public async Task The_throwaway_database_is_named_so_the_next_test_finds_it_if_this_one_dies()
    {
        await Test();

        Assert.Matches("^app_fgtest_[0-9a-f]{8}$", _work.Scratch);
    }

    [Fact]
    public async Task A_damaged_archive_stops_the_test_before_the_cluster_is_touched()
    {
        _work.FailVerify = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Test());

        Assert.Equal(ErrorIds.BackupChecksumMismatch, e.ErrorId);
        Assert.Equal("b1", e.Target);
        Assert.Equal(["find database", "verify b1"], _work.Calls);
    }

    [Fact]
    public async Task A_failed_restore_still_drops_the_throwaway_database_and_releases_the_cluster()
    {
        _work.FailRestore = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Test());

        Assert.Equal(ErrorIds.BackupRestoreFailed, e.ErrorId);
        Assert.Equal(["restore into <scratch>", "drop <scratch>", "unlock cluster"], Calls().SkipWhile(c => !c.StartsWith("restore", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_cancelled_restore_still_drops_the_throwaway_database_without_letting_the_drop_be_cancelled()
    {
        _work.CancelRestore = true;
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Test(cancellationToken: cancel.Token));

        Assert.Contains("drop <scratch>", Calls());
        Assert.Equal([false], _work.DropsCancellable);
    }

    [Fact]
    public async Task Rows_that_differ_fail_the_test_naming_the_tables_and_the_throwaway_database_is_dropped()
    {
        _work.Restored = [new("public", "orders", 2)];
        _work.ContentDifferences = ["public.customers: content differs (checksum)"];

        var e = await Assert.ThrowsAsync<FrostException>(() => Test());

        Assert.Equal(ErrorIds.BackupRestoreTestFailed, e.ErrorId);
        Assert.Equal("b1", e.Target);
        Assert.Contains("public.orders", e.Message);
        Assert.Contains("public.customers: content differs", e.Message);
        Assert.Contains(_work.Scratch!, e.Message);
        Assert.Equal("drop <scratch>", Calls()[^2]);
    }

    [Fact]
    public async Task Throwaway_databases_of_tests_that_died_are_dropped_under_the_lock_before_a_new_one_is_made()
    {
        _work.Leftovers = ["app_fgtest_0badc0de"];

        await Test();

        Assert.Equal(["lock cluster", "list throwaway", "drop app_fgtest_0badc0de", "free space", "create <scratch>"], Calls().Skip(2).Take(5));
        Assert.Contains(_reporter.Warnings, w => w.Contains("Dropping the database app_fgtest_0badc0de", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restore_test_running_elsewhere_in_the_cluster_stops_this_one_before_anything_is_made()
    {
        _work.ClusterBusy = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Test());

        Assert.Equal(ErrorIds.BackupInProgress, e.ErrorId);
        Assert.Equal("lock cluster", _work.Calls[^1]);
    }

    [Fact]
    public async Task A_cluster_without_room_for_the_copy_gets_no_throwaway_database()
    {
        _work.FreeSpace = ("/var/lib/docker/volumes/pgdata", 300L << 20); // the database is 100 MB; 256 MB stay free

        var e = await Assert.ThrowsAsync<FrostException>(() => Test());

        Assert.Equal(ErrorIds.BackupInsufficientSpace, e.ErrorId);
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
        Assert.Equal("unlock cluster", _work.Calls[^1]);
    }

    [Fact]
    public async Task Free_space_that_cannot_be_read_is_said_and_the_test_goes_ahead()
    {
        _work.FreeSpace = null;

        var test = await Test();

        Assert.True(test.Passed);
        Assert.Contains(_reporter.Warnings, w => w.Contains("container unit-postgres-1 shows no host path", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backup_folder_another_backup_holds_is_not_tested()
    {
        using var other = BackupLock.Acquire(_folder.Path, "another backup");

        var e = await Assert.ThrowsAsync<FrostException>(() => Test());

        Assert.Equal(ErrorIds.BackupInProgress, e.ErrorId);
        Assert.Empty(_work.Calls);
    }

    private Task<FrostBackupTest> Test(bool restore = true, CancellationToken cancellationToken = default) =>
        new BackupTester(_session, _work).TestAsync(Backup(), restore, _reporter, cancellationToken);

    private FrostBackup Backup() => new()
    {
        Id = "b1", Database = "app", Sha256 = "", Format = FrostBackupFormat.Custom, ServerVersion = "15", PgDumpVersion = "15",
        RowCounts = new Dictionary<string, long>(), Path = Path.Combine(_folder.Path, "b1.dump.zst"), ManifestPath = Path.Combine(_folder.Path, "b1" + BackupManifest.Extension),
    };

    /// <summary>The calls, with the throwaway database's random name as &lt;scratch&gt;.</summary>
    private IReadOnlyList<string> Calls() => _work.Calls.Select(c => _work.Scratch is { } scratch ? c.Replace(scratch, "<scratch>", StringComparison.Ordinal) : c).ToList();

    private sealed class FakeBackupTestWork : IBackupTestWork, IRestoreTestCluster
    {
        public List<string> Calls { get; } = [];
        public List<bool> DropsCancellable { get; } = [];
        public string? Scratch { get; private set; }
        public bool FailVerify { get; set; }
        public bool ClusterBusy { get; set; }
        public bool FailRestore { get; set; }
        public bool CancelRestore { get; set; }
        public IReadOnlyList<string> Leftovers { get; set; } = [];
        public (string Folder, long FreeBytes)? FreeSpace { get; set; } = ("/var/lib/docker/volumes/pgdata", 100L << 30);
        public IReadOnlyList<TableRowCount> Restored { get; set; } = [new("public", "orders", 3)];
        public IReadOnlyList<string> ContentDifferences { get; set; } = [];

        public BackupManifest Load(FrostBackup backup) => new()
        {
            Id = backup.Id, Database = "app", File = Path.GetFileName(backup.Path), Sha256 = "", ServerVersion = "15", PgDumpVersion = "15",
            DatabaseBytes = 100L << 20, Tables = [new("public", "orders", 3)],
        };

        public Task<string> FindDatabaseContainerAsync(CancellationToken cancellationToken)
        {
            Calls.Add("find database");
            return Task.FromResult("unit-postgres-1");
        }

        public Task<int> VerifyArchiveAsync(FrostBackup backup, BackupManifest manifest, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Calls.Add($"verify {backup.Id}");
            return FailVerify
                ? Task.FromException<int>(new FrostException(ErrorIds.BackupChecksumMismatch, FailureKind.InvalidData, $"Backup {backup.Id} is damaged", backup.Id, "Use another backup."))
                : Task.FromResult(7);
        }

        public Task<IRestoreTestCluster> LockClusterAsync(IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Calls.Add("lock cluster");
            return ClusterBusy
                ? Task.FromException<IRestoreTestCluster>(new FrostException(ErrorIds.BackupInProgress, FailureKind.OperationFailed, "Another restore test is running", "postgres", "Wait."))
                : Task.FromResult<IRestoreTestCluster>(this);
        }

        public Task<TimeSpan> RestoreAsync(FrostBackup backup, BackupManifest manifest, string database, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Calls.Add($"restore into {database}");
            return FailRestore ? Task.FromException<TimeSpan>(new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed, "pg_restore failed, exit 1", backup.Id, "Read pg_restore's message."))
                : CancelRestore ? Task.FromCanceled<TimeSpan>(new CancellationToken(canceled: true))
                : Task.FromResult(TimeSpan.FromSeconds(2));
        }

        public Task<(IReadOnlyList<TableRowCount> Counts, IReadOnlyList<string> ContentDifferences)> InspectAsync(BackupManifest manifest, string database, CancellationToken cancellationToken)
        {
            Calls.Add($"inspect {database}");
            return Task.FromResult((Restored, ContentDifferences));
        }

        public Task<IReadOnlyList<string>> ThrowawayDatabasesAsync(CancellationToken cancellationToken)
        {
            Calls.Add("list throwaway");
            return Task.FromResult(Leftovers);
        }

        public Task<(string Folder, long FreeBytes)?> FreeSpaceAsync(CancellationToken cancellationToken)
        {
            Calls.Add("free space");
            return Task.FromResult(FreeSpace);
        }

        public Task CreateDatabaseAsync(string name, CancellationToken cancellationToken)
        {
            Scratch = name;
            Calls.Add($"create {name}");
            return Task.CompletedTask;
        }

        public Task DropDatabaseAsync(string name, CancellationToken cancellationToken)
        {
            Calls.Add($"drop {name}");
            if (name == Scratch)
            {
                DropsCancellable.Add(cancellationToken.CanBeCanceled);
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Calls.Add("unlock cluster");
            return ValueTask.CompletedTask;
        }
    }
}
