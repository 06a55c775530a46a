using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Deployments.Recovery;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Deployments;

/// <summary>
/// The recovery's decisions with its work faked (<see cref="IRecoveryWork"/>): what a refusal or a
/// failure leaves, what a drill removes, what the operation record says and when, and what the
/// next command does with a recovery a dead process left. The staging and target folders, the
/// rewritten configuration and the record are real files; the effects themselves are tested
/// against the sandbox (Recovery.Tests.ps1, CrashConsistency.Tests.ps1).
/// </summary>
public sealed class DeploymentRecoveryTests : IDisposable
{
    private const string LiveConfig = """
        { "project": { "name": "live", "directory": "/nonexistent/live" },
          "database": { "service": "postgres", "name": "app", "user": "app", "port": 25432, "password": { "environmentVariable": "UNIT_PASSWORD" } } }
        """;

    private readonly TempFolder _folder = new();
    private readonly FrostSession _session;
    private readonly FakeRecoveryWork _work;
    private readonly string _target;
    private readonly string _home;
    private readonly ConfigArchiveKey _key = ConfigArchiveKey.FromPassphrase("a passphrase long enough for the archive");

    public DeploymentRecoveryTests()
    {
        var config = _folder.Write("frostguard.json", LiveConfig);
        var state = Path.Combine(_folder.Path, "state");
        _session = FrostSession.Open(config, _folder.Path, Environment);
        _target = Path.Combine(_folder.Path, "restored");
        _home = DeploymentRecovery.HomeOf(_target);
        _work = new FakeRecoveryWork(_target, _session);

        string? Environment(string name) => name == "FROSTGUARD_STATE" ? state : null;
    }

    public void Dispose()
    {
        _key.Dispose();
        _session.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_drill_plans_in_staging_starts_restores_verifies_and_then_removes_its_own_project_and_folders()
    {
        var result = await Recovery().RecoverAsync(Request(FrostRecoveryMode.Drill), NullReporter.Instance, CancellationToken.None);

        Assert.Equal("live-drill", result.Project);
        Assert.True(result.RemovedAfterDrill);
        Assert.Equal(["extract", "render staging live", "host", "render staging live-drill", "render target live-drill",
            "up live-drill", "wait live-drill", "restore backup-1", "verify live-drill", "down live-drill --volumes"], _work.Calls);
        Assert.False(Directory.Exists(_target));
        Assert.False(Directory.Exists(_home));
        Assert.Empty(StagingFolders());
        Assert.Null(Record());
    }

    [Fact]
    public async Task A_recovery_into_a_new_folder_keeps_the_restored_deployment_under_a_project_of_its_own_and_ends_its_record()
    {
        var result = await Recovery().RecoverAsync(Request(FrostRecoveryMode.NewFolder), NullReporter.Instance, CancellationToken.None);

        Assert.Equal("live-recovered", result.Project);
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("down", StringComparison.Ordinal));
        var written = ConfigLoader.Load(Path.Combine(_target, DeploymentArchive.FrostGuardConfigEntry));
        Assert.Equal("live-recovered", written.Project.Name);
        Assert.Equal(_target, written.Project.Directory);
        Assert.NotEqual(25432, written.Database.Port);
        Assert.True(Directory.Exists(Path.Combine(_home, "backups")));
        Assert.Empty(StagingFolders());
        Assert.Null(Record());
    }

    [Fact]
    public async Task A_refused_plan_changes_nothing_outside_staging_and_removes_it()
    {
        var e = await Assert.ThrowsAsync<FrostException>(() =>
            Recovery().RecoverAsync(Request(FrostRecoveryMode.NewFolder) with { ProjectName = "live" }, NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.DeploymentIsolationRefused, e.ErrorId);
        Assert.Contains("project name live is in use", e.Message);
        Assert.Equal(["extract", "render staging live", "host"], _work.Calls);
        Assert.False(Directory.Exists(_target));
        Assert.False(Directory.Exists(_home));
        Assert.Empty(StagingFolders());
        Assert.Null(Record());
    }

    [Fact]
    public async Task A_failure_before_the_move_removes_the_staging_folder_and_leaves_the_target_untouched()
    {
        Directory.CreateDirectory(_target);
        _work.FailAt = "render staging live-recovered";

        var e = await Assert.ThrowsAsync<FrostException>(() => Recovery().RecoverAsync(Request(FrostRecoveryMode.NewFolder), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.ComposeFailed, e.ErrorId);
        Assert.True(Directory.Exists(_target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_target));
        Assert.Empty(StagingFolders());
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("up", StringComparison.Ordinal) || c.StartsWith("down", StringComparison.Ordinal));
        Assert.Null(Record());
    }

    [Fact]
    public async Task A_drill_that_fails_after_the_move_downs_its_own_project_never_the_live_one_and_removes_its_folders()
    {
        _work.FailAt = "up live-drill";

        var e = await Assert.ThrowsAsync<FrostException>(() => Recovery().RecoverAsync(Request(FrostRecoveryMode.Drill), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.DeploymentRecoveryFailed, e.ErrorId);
        Assert.Contains("failed at 'start the stack'", e.Message);
        Assert.Equal(["up live-drill", "down live-drill --volumes"], _work.Calls.SkipWhile(c => !c.StartsWith("up", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(_target));
        Assert.False(Directory.Exists(_home));
        Assert.Null(Record());
    }

    [Fact]
    public async Task A_recovery_into_a_new_folder_that_fails_after_the_move_leaves_what_it_made_for_inspection()
    {
        _work.FailAt = "restore backup-1";

        var e = await Assert.ThrowsAsync<FrostException>(() => Recovery().RecoverAsync(Request(FrostRecoveryMode.NewFolder), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.DeploymentRecoveryFailed, e.ErrorId);
        Assert.Contains("left in place for inspection", e.Message);
        Assert.DoesNotContain(_work.Calls, c => c.StartsWith("down", StringComparison.Ordinal) || c.StartsWith("verify", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_target, DeploymentArchive.FrostGuardConfigEntry)));
        Assert.Null(Record()); // a reported failure: the next command must not undo what the operator is looking at
    }

    [Fact]
    public async Task A_drill_that_cannot_be_removed_says_how_and_keeps_its_record_for_the_next_command()
    {
        _work.FailAt = "down live-drill";

        var e = await Assert.ThrowsAsync<FrostException>(() => Recovery().RecoverAsync(Request(FrostRecoveryMode.Drill), NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.DeploymentRecoveryFailed, e.ErrorId);
        Assert.Contains("could not be removed", e.Message);
        Assert.Equal(CrashPoints.RecoveryMoved.Name, Assert.IsType<OperationRecord>(Record()).Stage);
    }

    [Fact]
    public async Task The_record_is_begun_before_planning_names_the_staging_folder_and_is_at_moved_before_compose_starts()
    {
        await Recovery().RecoverAsync(Request(FrostRecoveryMode.NewFolder), NullReporter.Instance, CancellationToken.None);

        var planning = _work.RecordAt["host"];
        Assert.Equal("begun", planning.Stage);
        Assert.Equal(_target, planning.Fact("target"));
        Assert.StartsWith(Path.Combine(_folder.Path, ".restored.restoring-"), planning.Fact("staging"), StringComparison.Ordinal);
        Assert.Equal(CrashPoints.RecoveryMoved.Name, _work.RecordAt["up"].Stage);
    }

    [Fact]
    public async Task An_interrupted_recovery_that_had_not_moved_loses_only_its_staging_folder()
    {
        var record = Interrupted("begun", FrostRecoveryMode.Drill, project: "live-drill");

        var said = await Recovery().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None);

        Assert.False(Directory.Exists(record.Fact("staging")));
        Assert.True(Directory.Exists(_target)); // not made by this recovery: it never moved
        Assert.Empty(_work.Calls);
        Assert.Contains("removed " + record.Fact("staging"), said);
        Assert.Null(Record());
    }

    [Fact]
    public async Task An_interrupted_recovery_staged_whose_staging_folder_is_gone_had_moved_and_is_undone_with_its_own_project()
    {
        var record = Interrupted(CrashPoints.RecoveryStaged.Name, FrostRecoveryMode.Drill, project: "live-drill", staged: false);

        await Recovery().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None);

        Assert.Equal(["down live-drill --volumes"], _work.Calls);
        Assert.False(Directory.Exists(_target));
        Assert.False(Directory.Exists(_home));
        Assert.Null(Record());
    }

    [Fact]
    public async Task An_interrupted_recovery_staged_with_its_staging_folder_there_had_not_moved()
    {
        var record = Interrupted(CrashPoints.RecoveryStaged.Name, FrostRecoveryMode.Drill, project: "live-drill");

        await Recovery().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None);

        Assert.Empty(_work.Calls);
        Assert.False(Directory.Exists(record.Fact("staging")));
        Assert.True(Directory.Exists(_target));
    }

    [Fact]
    public async Task An_interrupted_recovery_in_place_keeps_the_volumes_and_the_home()
    {
        var record = Interrupted(CrashPoints.RecoveryMoved.Name, FrostRecoveryMode.InPlace, project: "live-old");

        await Recovery().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None);

        Assert.Equal(["down live-old"], _work.Calls);
        Assert.False(Directory.Exists(_target));
        Assert.True(Directory.Exists(_home));
    }

    [Fact]
    public async Task An_interrupted_recovery_whose_configuration_names_the_live_project_is_not_undone()
    {
        var record = Interrupted(CrashPoints.RecoveryMoved.Name, FrostRecoveryMode.NewFolder, project: "live");

        var e = await Assert.ThrowsAsync<FrostException>(() => Recovery().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None));

        Assert.Equal(ErrorIds.OperationRecordInvalid, e.ErrorId);
        Assert.Empty(_work.Calls);
        Assert.True(Directory.Exists(_target));
        Assert.NotNull(Record());
    }

    [Fact]
    public async Task An_interrupted_recovery_removes_data_folders_only_inside_its_home_and_names_the_others()
    {
        var inside = Directory.CreateDirectory(Path.Combine(_home, "data", "pg_data")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_folder.Path, "elsewhere")).FullName;
        var record = Interrupted(CrashPoints.RecoveryMoved.Name, FrostRecoveryMode.NewFolder, project: "live-recovered", dataFolders: [inside, outside]);

        var said = await Recovery().ResolveInterruptedAsync(record, NullReporter.Instance, CancellationToken.None);

        Assert.False(Directory.Exists(inside));
        Assert.True(Directory.Exists(outside));
        Assert.Contains("kept " + outside, said);
    }

    private DeploymentRecovery Recovery() => new(_session, _ => null, _work);

    private DeploymentRecoveryRequest Request(FrostRecoveryMode mode) => new()
    {
        Backup = FakeRecoveryWork.Backup("backup-1", _folder.Path), Path = _target, Key = _key, Mode = mode,
    };

    /// <summary>The recovery's operation record as the next command would find it (Interrupted() lists only a dead or failed owner's).</summary>
    private OperationRecord? Record() => _session.OperationRecords.Find(OperationRecord.Recovery);

    private string[] StagingFolders() => Directory.GetDirectories(_folder.Path, ".restored.restoring-*");

    /// <summary>What a recovery killed at <paramref name="stage"/> left: its record, the target with its restored configuration, its home, and the staging folder unless it had moved.</summary>
    private OperationRecord Interrupted(string stage, FrostRecoveryMode mode, string project, bool staged = true, IReadOnlyList<string>? dataFolders = null)
    {
        var staging = Path.Combine(_folder.Path, $".restored.restoring-{Guid.NewGuid():N}");
        if (staged)
        {
            Directory.CreateDirectory(staging);
        }

        var config = Path.Combine(_target, DeploymentArchive.FrostGuardConfigEntry);
        _folder.Write(Path.GetRelativePath(_folder.Path, config), LiveConfig.Replace("\"live\"", $"\"{project}\"").Replace("/nonexistent/live", _target));
        Directory.CreateDirectory(_home);
        var records = _session.OperationRecords;
        var record = records.Begin(OperationRecord.Recovery, $"Restore-FrostDeployment backup-1 -Path {_target}", new Dictionary<string, string>
        {
            ["target"] = _target, ["home"] = _home, ["staging"] = staging, ["mode"] = mode.ToString(), ["config"] = config,
            ["dataFolders"] = string.Join('\n', dataFolders ?? []),
        });
        return records.Save(record with { Stage = stage });
    }

    private sealed class FakeRecoveryWork(string target, FrostSession source) : IRecoveryWork
    {
        public List<string> Calls { get; } = [];
        /// <summary>A call that fails (the first whose text starts with it).</summary>
        public string? FailAt { get; set; }
        /// <summary>The operation record as it was when a call ran, by the call's first word.</summary>
        public Dictionary<string, OperationRecord> RecordAt { get; } = [];

        public static FrostBackup Backup(string id, string folder) => new()
        {
            Id = id, Database = "app", Sha256 = "", Format = FrostBackupFormat.Custom, ServerVersion = "15", PgDumpVersion = "15",
            RowCounts = new Dictionary<string, long>(), Path = Path.Combine(folder, id + ".dump.zst"), ManifestPath = Path.Combine(folder, id + BackupManifest.Extension),
        };

        public BackupManifest Load(FrostBackup backup) => new()
        {
            Id = backup.Id, Database = "app", File = Path.GetFileName(backup.Path), Sha256 = "", ServerVersion = "15", PgDumpVersion = "15",
            Config = new ConfigArchiveManifest { File = backup.Id + ".config", Sha256 = "", SourceDirectory = "/nonexistent/live" },
        };

        public IReadOnlyList<string> Extract(string staging, FrostBackup backup, BackupManifest manifest, ConfigArchiveManifest sealedConfig, ConfigArchiveKey key)
        {
            Step("extract");
            var config = Path.Combine(staging, DeploymentArchive.FrostGuardConfigEntry);
            Directory.CreateDirectory(Path.GetDirectoryName(config)!);
            File.WriteAllText(config, LiveConfig);
            File.WriteAllText(Path.Combine(staging, ".env"), "COMPOSE_PROJECT_NAME=live\nPG_PORT=25432\n");
            File.WriteAllText(Path.Combine(staging, "docker-compose.yml"), "services:\n  postgres:\n    image: postgres:15\n");
            return [DeploymentArchive.FrostGuardConfigEntry, ".env", "docker-compose.yml"];
        }

        public Task<ComposeRendering> RenderAsync(string directory, string project, IReadOnlyList<string> composeFiles, CancellationToken cancellationToken)
        {
            Step($"render {(directory == target ? "target" : "staging")} {project}");
            return Task.FromResult(ComposeRendering.Parse("services:\n  postgres:\n    image: postgres:15\n"));
        }

        public Task<HostUsage> ReadHostAsync(CancellationToken cancellationToken)
        {
            Step("host");
            return Task.FromResult(new HostUsage(new HashSet<string> { "live" }, [], new HashSet<int> { 25432 }));
        }

        public Task InitializeDatabaseFolderAsync(FrostSession restored, DatabaseFolderInitializer.Request request, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Step($"initialise {request.Folder}");
            return Task.CompletedTask;
        }

        public Task StartAsync(FrostSession restored, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Step($"up {restored.Config.Project.Name}");
            return Task.CompletedTask;
        }

        public Task WaitHealthyAsync(FrostSession restored, int progressId, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Step($"wait {restored.Config.Project.Name}");
            return Task.CompletedTask;
        }

        public Task<FrostRestore> RestoreDatabaseAsync(FrostSession restored, RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Step($"restore {request.Backup.Id}");
            return Task.FromResult(new FrostRestore
            {
                BackupId = request.Backup.Id, Database = "app", RowCounts = new Dictionary<string, long>(), ServicesRestarted = [],
            });
        }

        public Task<IReadOnlyList<FrostHealthResult>> VerifyAsync(FrostSession restored, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Step($"verify {restored.Config.Project.Name}");
            return Task.FromResult<IReadOnlyList<FrostHealthResult>>([]);
        }

        public Task DownAsync(FrostConfig config, bool volumes, IFrostReporter reporter, CancellationToken cancellationToken)
        {
            Step($"down {config.Project.Name}{(volumes ? " --volumes" : "")}");
            return Task.CompletedTask;
        }

        private void Step(string call)
        {
            Calls.Add(call);
            if (source.OperationRecords.Find(OperationRecord.Recovery) is { } record)
            {
                RecordAt[call.Split(' ')[0]] = record;
            }

            if (FailAt is not null && call.StartsWith(FailAt, StringComparison.Ordinal))
            {
                throw new FrostException(ErrorIds.ComposeFailed, FailureKind.OperationFailed, $"{call} failed (injected).", call, "Look at the fake.");
            }
        }
    }
}
