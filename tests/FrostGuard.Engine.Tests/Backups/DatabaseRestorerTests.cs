using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Backups;

/// <summary>
/// The restore's decisions with its work faked (<see cref="IRestoreWork"/>): what runs after
/// which failure, what is put back, which services start again, and what the operation record
/// says afterwards. The effects themselves are tested against the sandbox (Backups.Tests.ps1,
/// CrashConsistency.Tests.ps1).
/// </summary>
public sealed class DatabaseRestorerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FrostSession _session;
    private readonly FakeRestoreWork _work = new();

    public DatabaseRestorerTests()
    {
        _session = UnitSessions.Open(_folder);
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_restore_stops_the_writers_takes_the_safety_backup_restores_and_starts_them_again_in_that_order()
    {
        var restore = await Restorer().RestoreAsync(Request(), NullReporter.Instance, CancellationToken.None);

        Assert.Equal(["checksum backup-1", "find database", "stop backend,worker", "safety app", "lock", "restore backup-1", "inspect", "start backend,worker"], _work.Calls);
        Assert.Equal("safety-1", restore.SafetyBackupId);
        Assert.Equal(["backend", "worker"], restore.ServicesRestarted);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Restore));
    }

    [Fact]
    public async Task A_failed_restore_puts_the_safety_backup_back_then_starts_the_services_and_says_so()
    {
        _work.FailRestoreOf = "backup-1";

        var e = await Assert.ThrowsAsync<FrostException>(() => Restorer().RestoreAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.BackupRestoreFailed, e.ErrorId);
        Assert.Contains("put back from the safety backup safety-1", e.Message);
        Assert.Equal(["restore backup-1", "restore safety-1", "start backend,worker"], _work.Calls.SkipWhile(c => c != "restore backup-1"));
        // The database is as it was: nothing is left for the next command to finish.
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Restore));
    }

    [Fact]
    public async Task A_failed_restore_whose_safety_backup_cannot_go_back_hands_the_record_on()
    {
        _work.FailRestoreOf = "backup-1";
        _work.FailPutBack = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Restorer().RestoreAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Contains("Putting back the safety backup safety-1 failed too", e.Message);
        Assert.Contains("start backend,worker", _work.Calls);
        var record = Assert.Single(Records().Records);
        Assert.Equal(CrashPoints.RestoreDatabaseChanging.Name, record.Stage);
    }

    [Fact]
    public async Task Without_a_safety_backup_a_failed_restore_is_left_for_the_next_restore_and_nothing_is_put_back()
    {
        _work.FailRestoreOf = "backup-1";

        var e = await Assert.ThrowsAsync<FrostException>(() => Restorer().RestoreAsync(Request() with { SkipSafetyBackup = true }, NullReporter.Instance, CancellationToken.None));

        Assert.Contains("no safety backup", e.Message);
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("safety", StringComparison.Ordinal) || c == "restore safety-1");
        Assert.Equal("start backend,worker", _work.Calls[^1]);
        Assert.Single(Records().Records);
    }

    [Fact]
    public async Task A_failed_safety_backup_changes_nothing_and_starts_the_services_again()
    {
        _work.FailSafetyBackup = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Restorer().RestoreAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.SafetyBackupFailed, e.ErrorId);
        Assert.Contains("-SkipSafetyBackup", e.RecommendedAction);
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("restore", StringComparison.Ordinal) || c == "lock");
        Assert.Equal("start backend,worker", _work.Calls[^1]);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Restore)); // the database never changed
    }

    [Fact]
    public async Task Only_the_writers_that_ran_are_stopped_and_started_again()
    {
        _work.Running = ["worker"];

        await Restorer().RestoreAsync(Request(), NullReporter.Instance, CancellationToken.None);

        Assert.Contains("stop worker", _work.Calls);
        Assert.Equal("start worker", _work.Calls[^1]);
    }

    [Fact]
    public async Task Services_that_do_not_come_back_fail_the_restore_and_hand_the_record_on()
    {
        _work.FailStart = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Restorer().RestoreAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.ServiceUnhealthyAfterRestore, e.ErrorId);
        var record = Assert.Single(Records().Records);
        Assert.Equal(CrashPoints.RestoreRestored.Name, record.Stage);
    }

    [Fact]
    public async Task Tables_the_backup_lacks_are_dropped_inside_the_restore_window_so_a_failure_puts_them_back()
    {
        _work.FailRestoreOf = "backup-1";

        await Assert.ThrowsAsync<FrostException>(() => Restorer().RestoreAsync(Request() with { DropTablesNotInBackup = true }, NullReporter.Instance, CancellationToken.None));

        Assert.Equal(["lock", "drop tables", "restore backup-1", "restore safety-1"], _work.Calls.SkipWhile(c => c != "lock").Take(4));
    }

    private DatabaseRestorer Restorer() => new(_session, _work);

    private (IReadOnlyList<OperationRecord> Records, IReadOnlyList<FrostException> Unreadable) Records() => _session.OperationRecords.Interrupted();

    private RestoreRequest Request() => new() { Backup = FakeRestoreWork.Backup("backup-1", _folder.Path) };

    private sealed class FakeRestoreWork : IRestoreWork
    {
        public List<string> Calls { get; } = [];
        public string[] Running { get; set; } = ["backend", "worker"];
        public string? FailRestoreOf { get; set; }
        public bool FailPutBack { get; set; }
        public bool FailSafetyBackup { get; set; }
        public bool FailStart { get; set; }

        public static FrostBackup Backup(string id, string folder) => new()
        {
            Id = id, Database = "app", Sha256 = "", Format = FrostBackupFormat.Custom, ServerVersion = "15", PgDumpVersion = "15",
            RowCounts = new Dictionary<string, long>(), Path = Path.Combine(folder, id + ".dump.zst"), ManifestPath = Path.Combine(folder, id + BackupManifest.Extension),
        };

        public BackupManifest Load(FrostBackup backup) =>
            new() { Id = backup.Id, Database = "app", File = Path.GetFileName(backup.Path), Sha256 = "", ServerVersion = "15", PgDumpVersion = "15" };

        public Task CheckChecksumAsync(FrostBackup backup, BackupManifest manifest, CancellationToken cancellationToken) => Record($"checksum {backup.Id}");

        public Task FindDatabaseContainerAsync(CancellationToken cancellationToken) => Record("find database");

        public Task<IReadOnlyList<FrostService>> RunningAsync(IReadOnlyList<string> names, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<FrostService>>(Running.Where(names.Contains).Select(Service).ToList());

        public Task<IReadOnlyList<FrostService>> ServicesAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<FrostService>>(Running.Select(Service).Where(s => containerIds.Contains(s.ContainerId)).ToList());

        public Task StopAsync(IReadOnlyList<FrostService> services, IFrostReporter reporter) => Record($"stop {Names(services)}");

        public Task StartAndWaitAsync(IReadOnlyList<FrostService> services, TimeSpan timeout, IFrostReporter reporter)
        {
            Calls.Add($"start {Names(services)}");
            return FailStart
                ? Task.FromException(new FrostException(ErrorIds.ServiceUnhealthyAfterRestore, FailureKind.OperationFailed, "backend is unhealthy", "backend", "Read its log."))
                : Task.CompletedTask;
        }

        public Task<FrostBackup> TakeSafetyBackupAsync(string database, string label, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Calls.Add($"safety {database}");
            return FailSafetyBackup
                ? Task.FromException<FrostBackup>(new FrostException(ErrorIds.BackupFailed, FailureKind.OperationFailed, "pg_dump exited with code 1", database, "Check the database."))
                : Task.FromResult(Backup("safety-1", "/nonexistent"));
        }

        public IDisposable LockBackupRoot(FrostBackup backup, string purpose)
        {
            Calls.Add("lock");
            return new MemoryStream();
        }

        public Task DropTablesNotInAsync(BackupManifest manifest, string database, IFrostReporter reporter) => Record("drop tables");

        public Task<TimeSpan> RestoreAsync(FrostBackup backup, BackupManifest manifest, string database, int jobs, IFrostReporter reporter)
        {
            Calls.Add($"restore {backup.Id}");
            var fails = backup.Id == FailRestoreOf || (FailPutBack && backup.Id.StartsWith("safety", StringComparison.Ordinal));
            return fails
                ? Task.FromException<TimeSpan>(new FrostException(ErrorIds.BackupRestoreFailed, FailureKind.OperationFailed, $"pg_restore of {backup.Id} exited with code 1", backup.Id, "Read pg_restore's output."))
                : Task.FromResult(TimeSpan.FromSeconds(1));
        }

        public Task<(IReadOnlyList<TableRowCount> Counts, IReadOnlyList<string> ContentDifferences)> InspectAsync(BackupManifest manifest, string database)
        {
            Calls.Add("inspect");
            return Task.FromResult<(IReadOnlyList<TableRowCount>, IReadOnlyList<string>)>(([], []));
        }

        private static FrostService Service(string name) => new()
        {
            Project = "unit", Service = name, Container = "unit-" + name + "-1", ContainerId = "id-" + name, State = FrostContainerState.running, Health = FrostContainerHealth.healthy, Image = "i", ImageId = "sha256:i",
        };

        private static string Names(IEnumerable<FrostService> services) => string.Join(",", services.Select(s => s.Service));

        private Task Record(string call)
        {
            Calls.Add(call);
            return Task.CompletedTask;
        }
    }
}
