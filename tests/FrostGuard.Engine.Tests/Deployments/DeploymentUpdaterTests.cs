using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Deployments;

/// <summary>
/// Update-FrostDeployment's and Undo-FrostDeployment's decisions with their work faked
/// (<see cref="IDeploymentWork"/>): what runs after which failure, what is rolled back, which
/// release is current afterwards and what the operation record says. Release records,
/// operation records and the deployment lock are real files in a temp state folder. The effects
/// are tested against the sandbox (Updates.Tests.ps1, DeploymentChanges.Tests.ps1).
/// </summary>
public sealed class DeploymentUpdaterTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FrostSession _session;
    private readonly FakeDeploymentWork _work = new();

    public DeploymentUpdaterTests()
    {
        _session = UnitSessions.Open(_folder);
    }

    public void Dispose()
    {
        _session.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task An_update_checks_backs_up_records_the_release_before_sets_the_tag_applies_waits_and_verifies_in_that_order()
    {
        var result = await Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None);

        Assert.Equal(["preflight", "backup", "capture Deployed", "write BACKEND_TAG=next", "up backend", "wait backend", "health", "capture Deployed next"], _work.Calls);
        Assert.True(result.Succeeded);
        Assert.Equal(result.ToRelease, Updater().Store.CurrentId());
        Assert.Equal("backup-1", result.BackupId);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Update));
    }

    [Fact]
    public async Task A_failed_preflight_or_backup_changes_nothing_and_leaves_no_record()
    {
        _work.FailAt = "preflight";
        await Assert.ThrowsAsync<FrostException>(() => Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None));
        _work.FailAt = "backup";
        await Assert.ThrowsAsync<FrostException>(() => Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("write", StringComparison.Ordinal) || c.StartsWith("up", StringComparison.Ordinal));
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Update));
        Assert.Empty(Updater().Store.List());
    }

    [Theory]
    [InlineData("up backend")]
    [InlineData("wait backend")]
    [InlineData("health")]
    public async Task A_release_that_fails_is_rolled_back_to_the_one_before_which_stays_current(string failing)
    {
        _work.FailAt = failing;

        var result = await Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.True(result.RolledBack);
        // The tag goes back to the release before, which is applied and verified again.
        var rollback = _work.Calls.SkipWhile(c => c != "capture RolledBack next").ToList();
        Assert.Equal(["capture RolledBack next", "write BACKEND_TAG=current", "up backend", "wait backend", "health"], rollback);
        var store = Updater().Store;
        Assert.Equal(result.FromRelease, store.CurrentId());
        Assert.Equal(FrostReleaseStatus.RolledBack, store.Get(result.ToRelease!).Status);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Update));
    }

    [Fact]
    public async Task A_rollback_that_fails_too_is_RollbackFailed_and_the_record_is_handed_to_the_next_command()
    {
        _work.FailAt = "wait backend";
        _work.FailAlways = true;

        var e = await Assert.ThrowsAsync<FrostException>(() => Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.RollbackFailed, e.ErrorId);
        var record = Assert.Single(_session.OperationRecords.Interrupted().Records);
        Assert.Equal(OperationRecord.Update, record.Operation);
        Assert.Contains(Updater().Store.List(), r => r.Status == FrostReleaseStatus.Failed);
    }

    [Fact]
    public async Task A_stopped_update_is_rolled_back_and_the_stop_passed_on()
    {
        using var stop = new CancellationTokenSource();
        _work.OnCall = call =>
        {
            if (call == "up backend")
            {
                stop.Cancel();
                throw new OperationCanceledException(stop.Token);
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Updater().UpdateAsync(Request(), NullReporter.Instance, stop.Token));

        Assert.Contains("write BACKEND_TAG=current", _work.Calls);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Update));
    }

    [Fact]
    public async Task An_undo_applies_the_release_before_restores_its_backup_dropping_newer_tables_and_makes_it_current()
    {
        var first = await Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None);
        _work.Tags["BACKEND_TAG"] = "next";
        _work.Calls.Clear();

        var undo = await Updater().UndoAsync(new UndoRequest { RestoreDatabase = true }, NullReporter.Instance, CancellationToken.None);

        Assert.Equal(["write BACKEND_TAG=current", "up backend", "wait backend", "restore backup-1 dropping newer tables", "health"], _work.Calls);
        Assert.Equal(first.FromRelease, undo.CurrentRelease);
        Assert.Equal(first.FromRelease, Updater().Store.CurrentId());
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Undo));
    }

    [Fact]
    public async Task A_failed_undo_is_handed_on_so_the_next_update_or_undo_finishes_it()
    {
        await Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None);
        _work.Tags["BACKEND_TAG"] = "next";
        _work.FailAt = "health";

        await Assert.ThrowsAsync<FrostException>(() => Updater().UndoAsync(new UndoRequest(), NullReporter.Instance, CancellationToken.None));

        var record = Assert.Single(_session.OperationRecords.Interrupted().Records);
        Assert.Equal(OperationRecord.Undo, record.Operation);
    }

    [Fact]
    public async Task With_slots_the_backend_starts_beside_the_serving_slot_and_the_worker_overlaps()
    {
        var slots = WithSlots();
        _work.Tags["WORKER_TAG"] = "current";

        var result = await Updater().UpdateAsync(Request() with { Services = ["backend", "worker"] }, NullReporter.Instance, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.True(result.Switched);
        Assert.Equal("green", result.ServingSlot);
        Assert.Equal(["backend", "worker"], result.Services);
        Assert.Equal(["tag green=next", "start green", "wait green", "serving green next", "drain blue", "stop blue"], slots.Calls);
        Assert.Equal(["preflight", "backup", "capture Deployed", "write WORKER_TAG=next", "overlap worker", "wait backend,worker", "health", "capture Deployed next"], _work.Calls);
    }

    [Fact]
    public async Task With_slots_a_release_that_never_turns_healthy_is_never_switched_to_and_its_record_says_so()
    {
        var slots = WithSlots();

        var result = await Updater().UpdateAsync(Request() with { Version = "broken" }, NullReporter.Instance, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.True(result.RolledBack);
        Assert.False(result.Switched);
        Assert.Equal("blue", result.ServingSlot);
        Assert.Empty(slots.Proxy.Calls);
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("up", StringComparison.Ordinal)); // the release before runs on: nothing to put back
        Assert.Contains("No downtime: the proxy was never switched, slot blue kept serving", Updater().Store.Get(result.ToRelease!).Note);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Update));
    }

    [Fact]
    public async Task With_slots_when_neither_slot_is_healthy_after_the_migration_nothing_is_restored_and_the_operator_gets_the_command()
    {
        var slots = WithSlots();
        slots.Healthy["blue"] = false;

        var error = await Assert.ThrowsAsync<FrostException>(() => Updater().UpdateAsync(Request() with { Version = "broken" }, NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.SlotsUnhealthyAfterMigration, error.ErrorId);
        Assert.Matches("Undo-FrostDeployment -To \\S+ -RestoreDatabase", error.RecommendedAction);
        Assert.Contains("backup-1", error.RecommendedAction);
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("restore", StringComparison.Ordinal) || c.StartsWith("up", StringComparison.Ordinal));
        Assert.Contains(Updater().Store.List(), r => r.Status == FrostReleaseStatus.Failed);
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Update));
    }

    [Fact]
    public async Task With_slots_undo_is_a_start_of_the_kept_slot_a_health_check_and_a_switch()
    {
        var slots = WithSlots();
        await Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None);
        _work.Tags["BACKEND_TAG"] = "next";
        slots.Calls.Clear();

        var result = await Updater().UndoAsync(new UndoRequest(), NullReporter.Instance, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.True(result.Switched);
        Assert.Equal("blue", result.ServingSlot);
        Assert.Equal(["start blue", "wait blue", "serving blue current", "drain green", "stop green"], slots.Calls); // blue kept its tag: no recreate
    }

    [Fact]
    public async Task With_slots_an_update_killed_after_the_switch_is_undone_by_the_next_command_switching_back_and_saying_what_it_found()
    {
        var slots = WithSlots();
        var before = await Updater().UpdateAsync(Request(), NullReporter.Instance, CancellationToken.None);
        // As update.switched leaves it: nginx serves green, the .env still names blue, both run, green runs next.
        slots.ServingName = "blue";
        slots.Running["blue"] = slots.Healthy["blue"] = true;
        var record = _session.OperationRecords.Begin(OperationRecord.Update, "Update-FrostDeployment -Version next",
            new Dictionary<string, string> { ["previousRelease"] = before.FromRelease!, ["slotFrom"] = "blue", ["slotTo"] = "green", ["idleTag.green"] = "current" });
        slots.Calls.Clear();

        var said = await Updater().ResolveInterruptedUpdateAsync(record.At(CrashPoints.UpdateSwitched), NullReporter.Instance, CancellationToken.None);

        Assert.Contains("Found: the .env names slot blue", said);
        Assert.Contains("nginx serves green", said);
        Assert.Contains($"Undone: release {before.FromRelease} was applied again", said);
        Assert.Equal("blue", slots.Proxy.Serving);
        Assert.False(slots.Running["green"]);
        Assert.Equal("current", slots.Tags["green"]);
        Assert.Equal(before.FromRelease, Updater().Store.CurrentId());
        Assert.Null(_session.OperationRecords.Find(OperationRecord.Update));
    }

    private FakeSlotsForUpdater WithSlots()
    {
        var slots = new FakeSlotsForUpdater(_folder.Path);
        _work.Slots = slots;
        return slots;
    }

    private sealed class FakeSlotsForUpdater(string folder) : FrostGuard.Engine.Tests.Deployments.Switching.FakeSlots(Path.Combine(folder, "upstream-" + Guid.NewGuid().ToString("N")[..8]));

    private DeploymentUpdater Updater() => new(_session, _work);

    private static UpdateRequest Request() => new() { Version = "next" };

    private sealed class FakeDeploymentWork : IDeploymentWork
    {
        private int _captures;

        public List<string> Calls { get; } = [];
        public Dictionary<string, string> Tags { get; } = new() { ["BACKEND_TAG"] = "current" };
        /// <summary>The call that fails (its first time only, unless <see cref="FailAlways"/>).</summary>
        public string? FailAt { get; set; }
        public bool FailAlways { get; set; }
        public Action<string>? OnCall { get; set; }

        public string EnvPath => "/nonexistent/unit/.env";

        public IAvailability OpenAvailability() => new NoAvailability();

        public Task<IReadOnlyList<string>> PreflightAsync(UpdateRequest request, IAvailability availability, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Call("preflight");
            return Task.FromResult<IReadOnlyList<string>>(request.Services.Count > 0 ? request.Services : ["backend"]);
        }

        public Task<FrostBackup> BackupAsync(string label, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Call("backup");
            return Task.FromResult(Backup);
        }

        private static FrostBackup Backup => new()
        {
            Id = "backup-1", Database = "app", Sha256 = "", Format = FrostBackupFormat.Custom, ServerVersion = "15", PgDumpVersion = "15",
            RowCounts = new Dictionary<string, long>(), Path = "/nonexistent/backup-1.dump.zst", ManifestPath = "/nonexistent/backup-1.manifest.json",
        };

        public Task<FrostRelease> CaptureAsync(string? version, FrostReleaseStatus status, string note, CancellationToken cancellationToken)
        {
            Call($"capture {status}{(version is null ? "" : " " + version)}");
            return Task.FromResult(new FrostRelease
            {
                Id = $"2026120{++_captures}T000000Z", Project = "unit", Created = DateTimeOffset.UnixEpoch.AddDays(_captures), Status = status, Version = version,
                Services = [new FrostReleaseService { Service = "backend", Image = "app:" + Tags["BACKEND_TAG"], ImageId = "sha256:" + Tags["BACKEND_TAG"] }],
                Tags = new Dictionary<string, string>(Tags), ComposeHash = "compose", Note = note,
            });
        }

        public IReadOnlyDictionary<string, string> ReadTags() => new Dictionary<string, string>(Tags);

        public void WriteTags(IReadOnlyDictionary<string, string> tags)
        {
            Call("write " + string.Join(",", tags.Select(t => $"{t.Key}={t.Value}")));
            foreach (var (key, value) in tags)
            {
                Tags[key] = value;
            }
        }

        public string ComposeHash() => "compose";

        public Task PullAsync(IFrostReporter reporter, CancellationToken cancellationToken) => Done("pull");

        public Task<string?> GitHeadAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public Task GitResetAsync(string commit, IFrostReporter reporter, CancellationToken cancellationToken) => Done("reset " + commit);

        public Task UpAsync(IReadOnlyList<string> services, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
            Done("up " + string.Join(",", services));

        public Task WaitHealthyAsync(IReadOnlyList<string> services, IAvailability availability, long since, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
            Done("wait " + string.Join(",", services));

        public async Task<IReadOnlyList<FrostHealthResult>> HealthChecksAsync(IFrostReporter reporter, CancellationToken cancellationToken)
        {
            await Done("health");
            return [new FrostHealthResult { Check = "Http", Target = "backend", Status = HealthStatus.Ok, Threshold = "200", Message = "200" }];
        }

        public async Task<FrostRestore> RestoreAsync(RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            await Done($"restore {request.Backup.Id}{(request.DropTablesNotInBackup ? " dropping newer tables" : "")}");
            return new FrostRestore { BackupId = request.Backup.Id, Database = "app", RowCounts = new Dictionary<string, long>(), ServicesRestarted = [] };
        }

        public IReadOnlyList<FrostBackup> Backups(IFrostReporter reporter) => [Backup];

        public FrostGuard.Engine.Deployments.Switching.ISlotWork? Slots { get; set; }

        public Task<IReadOnlyList<string>> ServiceNamesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>(["backend", "worker"]);

        public Task UpOverlappingAsync(IReadOnlyList<string> services, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
            Done("overlap " + string.Join(",", services));

        private Task Done(string call)
        {
            Call(call);
            return Task.CompletedTask;
        }

        private void Call(string call)
        {
            Calls.Add(call);
            OnCall?.Invoke(call);
            if (call == FailAt)
            {
                FailAt = FailAlways ? FailAt : null;
                throw new FrostException(ErrorIds.UpdateHealthCheckFailed, FailureKind.OperationFailed, $"{call} failed", "backend", "Read its log.");
            }
        }
    }

    private sealed class NoAvailability : IAvailability
    {
        public bool Measures => false;

        public TimeSpan Downtime(long since = 0) => TimeSpan.Zero;

        public TimeSpan? UntilUp(long since) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
