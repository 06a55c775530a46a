using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Backups;

/// <summary>
/// A manifest is untrusted input: whoever can write into the backup root can write one. No
/// manifest makes FrostGuard read, remove or list anything outside the root, and two manifests
/// that name one file keep it from removal.
/// </summary>
public sealed class UntrustedManifestTests : IDisposable
{
    private static readonly DateTimeOffset Day = new(2026, 11, 26, 2, 30, 0, TimeSpan.Zero);
    private readonly TempFolder _outside = new();
    private readonly TempFolder _root = new();

    public void Dispose()
    {
        _outside.Dispose();
        _root.Dispose();
    }

    private BackupManifest Write(string id, string? file = null, DateTimeOffset? created = null, string database = "frostguard", bool verified = false, string? storedAs = null)
    {
        var manifest = new BackupManifest
        {
            Id = id, Database = database, Created = created ?? Day, File = file ?? id + ".dump.zst", Sha256 = "00",
            ServerVersion = "15", PgDumpVersion = "15", Verified = verified,
        };
        manifest.Write(BackupManifest.PathFor(_root.Path, storedAs ?? id));
        var archive = Path.Combine(_root.Path, manifest.File);
        if (ManifestValidation.IsPlainName(manifest.File) && !File.Exists(archive))
        {
            File.WriteAllText(archive, "archive of " + id);
        }

        return manifest;
    }

    [Theory]
    [InlineData("../victim")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/x.dump")]
    [InlineData("..")]
    [InlineData("a\\b")]
    public void A_file_that_is_no_plain_name_of_the_root_is_skipped_with_a_warning_naming_it(string file)
    {
        Write("frostguard-1", file);
        var reporter = new RecordingReporter();

        Assert.Empty(new BackupCatalog(_root.Path).List(reporter));
        Assert.Contains(reporter.Warnings, w => w.Contains("frostguard-1.manifest.json", StringComparison.Ordinal) && w.Contains("not a plain file name", StringComparison.Ordinal));
    }

    [Fact]
    public void Retention_and_remove_never_delete_a_file_outside_the_root_that_a_manifest_names()
    {
        // The reported fault: a manifest whose file was "../victim" made retention delete that file.
        var victim = _outside.Write("victim", "not a backup");
        Write("frostguard-old", Path.GetRelativePath(_root.Path, victim), Day.AddDays(-30));
        Write("frostguard-new", created: Day, verified: true);
        var runner = new RetentionRunner(_root.Path);

        var plan = runner.Plan(1, 0, 0, new RecordingReporter());
        runner.Remove(plan.Where(p => !p.Decision.Keep).Select(p => p.Backup).ToList(), 1, 0, 0, new RecordingReporter());

        Assert.True(File.Exists(victim));
        Assert.Equal(["frostguard-new"], plan.Select(p => p.Backup.Id));
    }

    [Fact]
    public void A_symbolic_link_in_place_of_the_archive_is_never_followed_out_of_the_root()
    {
        var victim = _outside.Write("victim.dump.zst", "not a backup");
        File.CreateSymbolicLink(Path.Combine(_root.Path, "frostguard-1.dump.zst"), victim);
        Write("frostguard-1");
        var reporter = new RecordingReporter();

        Assert.Empty(new BackupCatalog(_root.Path).List(reporter));
        Assert.Contains(reporter.Warnings, w => w.Contains("symbolic link", StringComparison.Ordinal));
        Assert.True(File.Exists(victim));
    }

    [Fact]
    public void A_manifest_stored_under_another_name_than_its_id_is_reported_not_a_crash()
    {
        // Two manifests claiming one id made retention's ToDictionary throw.
        Write("frostguard-1");
        Write("frostguard-1", storedAs: "frostguard-2");
        var reporter = new RecordingReporter();

        var listed = new BackupCatalog(_root.Path).List(reporter);

        Assert.Equal(["frostguard-1"], listed.Select(e => e.Backup.Id));
        Assert.Contains(reporter.Warnings, w => w.Contains("frostguard-2.manifest.json", StringComparison.Ordinal) && w.Contains("claims the id 'frostguard-1'", StringComparison.Ordinal));
        Assert.NotNull(new RetentionRunner(_root.Path).Plan(7, 4, 6, new RecordingReporter()));
    }

    [Fact]
    public void A_manifest_naming_another_backups_files_is_refused_and_the_named_backup_is_kept_from_removal()
    {
        // The review's fault: a manifest whose file named another backup's manifest made Remove delete it.
        Write("frostguard-1", created: Day.AddDays(-40));
        Write("frostguard-2", "frostguard-1.dump.zst", Day.AddDays(-39));
        Write("frostguard-3", "frostguard-1.manifest.json", Day.AddDays(-38));
        Write("frostguard-4", created: Day, verified: true);
        var reporter = new RecordingReporter();
        var runner = new RetentionRunner(_root.Path);

        var plan = runner.Plan(1, 0, 0, reporter);
        runner.Remove(plan.Where(p => !p.Decision.Keep).Select(p => p.Backup).ToList(), 1, 0, 0, new RecordingReporter());

        Assert.Equal(["frostguard-1", "frostguard-4"], plan.Select(p => p.Backup.Id).Order());
        Assert.Contains(reporter.Warnings, w => w.Contains("frostguard-2.manifest.json", StringComparison.Ordinal) && w.Contains("is not frostguard-2.dump.zst, the name its id gives", StringComparison.Ordinal));
        Assert.Contains(reporter.Warnings, w => w.Contains("frostguard-1 and frostguard-2.manifest.json (not valid)", StringComparison.Ordinal) && w.Contains("frostguard-1.dump.zst", StringComparison.Ordinal));
        Assert.All(plan, p => Assert.True(p.Decision.Keep));
        Assert.True(File.Exists(Path.Combine(_root.Path, "frostguard-1.dump.zst")));
        Assert.True(File.Exists(Path.Combine(_root.Path, "frostguard-1.manifest.json")));

        var named = new BackupCatalog(_root.Path).List(NullReporter.Instance).Single(e => e.Backup.Id == "frostguard-1").Backup;
        var error = Assert.Throws<FrostException>(() => BackupRemover.Remove(named, NullReporter.Instance));
        Assert.Equal(ErrorIds.BackupArchiveShared, error.ErrorId);
        Assert.True(File.Exists(named.ManifestPath));
    }

    [Fact]
    public void A_manifest_dated_in_the_future_cannot_take_the_newest_slots_from_real_backups()
    {
        Write("frostguard-1", created: Day.AddDays(-1), verified: true);
        Write("frostguard-2", created: Day);
        Write("frostguard-3", created: DateTimeOffset.UtcNow.AddYears(70), verified: true);
        var reporter = new RecordingReporter();

        var listed = new BackupCatalog(_root.Path).List(reporter);

        Assert.Equal(["frostguard-2", "frostguard-1"], listed.Select(e => e.Backup.Id));
        Assert.Contains(reporter.Warnings, w => w.Contains("frostguard-3.manifest.json", StringComparison.Ordinal) && w.Contains("in the future", StringComparison.Ordinal));
    }

    [Fact]
    public void A_manifest_that_is_a_link_is_not_read()
    {
        var elsewhere = _outside.Write("frostguard-1.manifest.json", "{}");
        File.CreateSymbolicLink(BackupManifest.PathFor(_root.Path, "frostguard-1"), elsewhere);
        var reporter = new RecordingReporter();

        Assert.Empty(new BackupCatalog(_root.Path).List(reporter));
        Assert.Contains(reporter.Warnings, w => w.Contains("a link is not followed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lock_file_planted_as_a_link_is_refused_and_its_target_left_as_it_was()
    {
        var target = _outside.Write("passwd", "root:x:0:0::/root:/bin/bash\n");
        File.CreateSymbolicLink(Path.Combine(_root.Path, BackupLock.FileName), target);
        var before = FrostGuard.Engine.Platform.Os.FileFacts.Read(target)!.Mode;

        var error = Assert.Throws<FrostException>(() => BackupLock.Acquire(_root.Path, "test"));

        Assert.Equal(ErrorIds.BackupDestinationNotWritable, error.ErrorId);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Equal("root:x:0:0::/root:/bin/bash\n", File.ReadAllText(target));
        Assert.Equal(before, FrostGuard.Engine.Platform.Os.FileFacts.Read(target)!.Mode);
    }

    [Fact]
    public void A_manifest_changed_after_it_was_listed_is_not_removed()
    {
        Write("frostguard-1");
        var listed = new BackupCatalog(_root.Path).List(NullReporter.Instance).Single().Backup;
        var victim = _outside.Write("victim", "x");
        Write("frostguard-1", "frostguard-1.dir");

        var error = Assert.Throws<FrostException>(() => BackupRemover.Remove(listed, NullReporter.Instance));

        Assert.Equal(ErrorIds.BackupNotFound, error.ErrorId);
        Assert.True(File.Exists(listed.ManifestPath));
        Assert.True(File.Exists(victim));
        Assert.Equal(ErrorIds.BackupManifestInvalid, Assert.Throws<FrostException>(() => BackupCatalog.Load(listed)).ErrorId);
    }

    [Fact]
    public void Retention_refuses_counts_that_are_all_zero_and_removes_nothing()
    {
        Write("frostguard-1", created: Day.AddDays(-10));
        Write("frostguard-2", created: Day);

        var error = Assert.Throws<FrostException>(() => new RetentionRunner(_root.Path).Plan(0, 0, 0, NullReporter.Instance));

        Assert.Equal(ErrorIds.RetentionPolicyInvalid, error.ErrorId);
        Assert.Equal(2, new BackupCatalog(_root.Path).List(NullReporter.Instance).Count);
    }

    [Fact]
    public void Retention_keeps_the_newest_verified_backup_of_every_database_in_one_root()
    {
        // The reported fault: -KeepDaily 1 with a second database's backup in the root removed every backup of the main database.
        Write("frostguard-1", created: Day.AddDays(-2), verified: true);
        Write("frostguard-2", created: Day.AddDays(-1));
        Write("reports-1", created: Day, database: "reports", verified: true);
        var runner = new RetentionRunner(_root.Path);

        var plan = runner.Plan(1, 0, 0, NullReporter.Instance);
        runner.Remove(plan.Where(p => !p.Decision.Keep).Select(p => p.Backup).ToList(), 1, 0, 0, NullReporter.Instance);

        Assert.Equal(["frostguard-1", "frostguard-2", "reports-1"], new BackupCatalog(_root.Path).List(NullReporter.Instance).Select(e => e.Backup.Id).Order());
    }

    [Theory]
    [InlineData("frostguard-1", true)]
    [InlineData("a b.c-d_e", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("a\0b", false)]
    public void Plain_names(string name, bool plain) => Assert.Equal(plain, ManifestValidation.IsPlainName(name));
}
