using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Tests.Backups;

/// <summary>
/// An intent left in a backup root is finished or undone by the next run there, and no intent,
/// however it is written, makes FrostGuard remove a listed backup or anything outside the root.
/// </summary>
public sealed class BackupIntentTests : IDisposable
{
    private const string DeadOwner = "another-boot/1/1";
    private readonly TempFolder _root = new();
    private readonly TempFolder _outside = new();

    public void Dispose()
    {
        _root.Dispose();
        _outside.Dispose();
    }

    private void Backup(string id, string? file = null)
    {
        var manifest = new BackupManifest
        {
            Id = id, Database = "app", Created = DateTimeOffset.UtcNow, File = file ?? id + ".dump", Sha256 = "00", ServerVersion = "15", PgDumpVersion = "15",
        };
        manifest.Write(BackupManifest.PathFor(_root.Path, id));
        File.WriteAllText(Path.Combine(_root.Path, manifest.File), "archive of " + id);
    }

    private string Intent(string id, string operation, string owner = DeadOwner) =>
        _root.Write(id + BackupIntent.Extension, $$"""{"operation":"{{operation}}","owner":"{{owner}}","started":"2026-12-04T00:00:00Z"}""");

    [Fact]
    public void An_interrupted_backup_without_its_manifest_is_removed_and_the_intent_goes()
    {
        Intent("app-1", BackupIntent.Create);
        _root.Write("app-1.dump.zst", "half");
        _root.Write("app-1.config.sealed", "sealed");
        Directory.CreateDirectory(Path.Combine(_root.Path, "app-1.dir"));
        var reporter = new RecordingReporter();

        Assert.Single(BackupIntent.Describe(_root.Path));
        BackupIntent.Resolve(_root.Path, reporter);

        Assert.Equal([], Directory.EnumerateFileSystemEntries(_root.Path).Select(Path.GetFileName));
        Assert.Contains("undone", Assert.Single(reporter.Warnings));
        Assert.Empty(BackupIntent.Describe(_root.Path));
    }

    [Fact]
    public void A_backup_whose_manifest_was_written_is_kept_and_reported_finished()
    {
        Backup("app-1");
        Intent("app-1", BackupIntent.Create);
        var reporter = new RecordingReporter();

        BackupIntent.Resolve(_root.Path, reporter);

        Assert.True(File.Exists(Path.Combine(_root.Path, "app-1.dump")));
        Assert.Contains("finished", Assert.Single(reporter.Warnings));
        Assert.False(File.Exists(BackupIntent.PathFor(_root.Path, "app-1")));
    }

    [Fact]
    public void A_removal_interrupted_before_the_manifest_went_keeps_the_backup_and_one_after_it_finishes()
    {
        Backup("kept");
        Intent("kept", BackupIntent.Remove);
        Intent("gone", BackupIntent.Remove);
        _root.Write("gone.dump", "orphaned archive");
        var reporter = new RecordingReporter();

        BackupIntent.Resolve(_root.Path, reporter);

        Assert.True(File.Exists(Path.Combine(_root.Path, "kept.dump")));
        Assert.False(File.Exists(Path.Combine(_root.Path, "gone.dump")));
        Assert.Equal(2, reporter.Warnings.Count);
    }

    [Fact]
    public void A_planted_intent_never_removes_a_file_a_manifest_names_nor_follows_a_link_out_of_the_root()
    {
        // Another backup's manifest names the archive the intent's id would derive.
        Backup("listed", file: "planted.dump");
        Intent("planted", BackupIntent.Create);
        // A link under a derived name leads outside the root: the link goes, never its target.
        var victim = _outside.Write("victim.txt", "not a backup");
        var victimFolder = Directory.CreateDirectory(Path.Combine(_outside.Path, "folder")).FullName;
        File.WriteAllText(Path.Combine(victimFolder, "inside"), "not a backup either");
        Intent("linked", BackupIntent.Create);
        File.CreateSymbolicLink(Path.Combine(_root.Path, "linked.dump"), victim);
        Directory.CreateSymbolicLink(Path.Combine(_root.Path, "linked.dir"), victimFolder);
        // Names that are not plain ids, and files that are not intents, are skipped and named.
        _root.Write("..intent", "{}");
        _root.Write("garbage.intent", "not json");
        Intent("odd", "format-disk");
        var reporter = new RecordingReporter();

        BackupIntent.Resolve(_root.Path, reporter);

        Assert.Equal("archive of listed", File.ReadAllText(Path.Combine(_root.Path, "planted.dump")));
        Assert.Equal("not a backup", File.ReadAllText(victim));
        Assert.True(File.Exists(Path.Combine(victimFolder, "inside")));
        Assert.False(Path.Exists(Path.Combine(_root.Path, "linked.dump")));
        Assert.False(Path.Exists(Path.Combine(_root.Path, "linked.dir")));
        Assert.Contains(reporter.Warnings, w => w.Contains("garbage.intent") && w.Contains("move it out"));
        Assert.Contains(reporter.Warnings, w => w.Contains("'format-disk' is not an operation"));
        Assert.True(File.Exists(Path.Combine(_root.Path, "odd.intent")));
    }

    [Fact]
    public void An_intent_of_a_live_process_is_not_named_interrupted()
    {
        Intent("running", BackupIntent.Create, ProcessIdentity.Current);

        Assert.Empty(BackupIntent.Describe(_root.Path));
    }
}
