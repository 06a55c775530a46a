using System.Security.Cryptography;
using System.Text;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Files;

namespace FrostGuard.Engine.Tests.Backups;

public sealed class BackupFilesTests
{
    private static BackupManifest Manifest(string id, DateTimeOffset created) => new()
    {
        Id = id,
        Database = "frostguard",
        Created = created,
        File = BackupManifest.ArchiveName(id, FrostBackupCompression.Zstd),
        Sha256 = "00",
        ServerVersion = "15.20",
        PgDumpVersion = "15.20",
        Tables = [new TableRowCount("public", "readings", 42)],
    };

    [Fact]
    public void A_manifest_round_trips_through_its_JSON_file()
    {
        using var folder = new TempFolder();
        var manifest = Manifest("frostguard-20261126T010203Z", DateTimeOffset.UtcNow) with { Label = "nightly", Compression = FrostBackupCompression.Gzip };
        var path = BackupManifest.PathFor(folder.Path, manifest.Id);
        manifest.Write(path);
        var read = BackupManifest.Read(path);
        Assert.Equal(manifest.Id, read.Id);
        Assert.Equal(FrostBackupCompression.Gzip, read.Compression);
        Assert.Equal(42, read.Tables.Single().Rows);
        Assert.Contains("\"compression\": \"Gzip\"", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".partial"));
    }

    /// <summary>A directory-format manifest exactly as FrostGuard wrote it when the format was a string.</summary>
    private const string WrittenDirectoryManifest = """
{
  "manifestVersion": 1,
  "id": "frostguard-20261126T010203Z",
  "database": "frostguard",
  "created": "2026-11-26T01:02:03+00:00",
  "file": "frostguard-20261126T010203Z.dir",
  "sizeBytes": 2048,
  "dumpBytes": 4096,
  "databaseBytes": 8192,
  "sha256": "ab12",
  "format": "Directory",
  "compression": "Gzip",
  "serverVersion": "15.20",
  "pgDumpVersion": "15.20",
  "durationSeconds": 1.5,
  "label": "nightly",
  "verified": true,
  "snapshot": "00000003-0000001B-1",
  "tables": [
    {
      "schema": "public",
      "table": "readings",
      "rows": 42,
      "qualifiedName": "public.readings"
    }
  ],
  "config": null,
  "files": [
    {
      "name": "toc.dat",
      "sizeBytes": 3,
      "sha256": "cd34"
    }
  ],
  "jobs": 2,
  "checksums": null
}
""";

    [Fact]
    public void A_manifest_as_written_before_reads_and_is_written_again_byte_for_byte()
    {
        using var folder = new TempFolder();
        var written = folder.Write("frostguard-20261126T010203Z.manifest.json", WrittenDirectoryManifest);
        var manifest = BackupManifest.Read(written);
        var again = System.IO.Path.Combine(folder.Path, "again.manifest.json");

        manifest.Write(again);

        Assert.Equal(FrostBackupFormat.Directory, manifest.ToBackup(folder.Path).Format);
        Assert.Equal(File.ReadAllBytes(written), File.ReadAllBytes(again));
    }

    [Fact]
    public void A_manifest_without_a_format_is_a_custom_archive()
    {
        using var folder = new TempFolder();
        var written = folder.Write("frostguard-20250101T000000Z.manifest.json",
            """{"id":"frostguard-20250101T000000Z","database":"frostguard","file":"frostguard-20250101T000000Z.dump.zst","sha256":"00","serverVersion":"15.4","pgDumpVersion":"15.4"}""");

        Assert.Equal(FrostBackupFormat.Custom, BackupManifest.Read(written).ToBackup(folder.Path).Format);
    }

    [Theory]
    [InlineData("\"Tar\"")]
    [InlineData("1")]
    public void A_manifest_of_a_format_FrostGuard_does_not_write_is_not_read(string format)
    {
        using var folder = new TempFolder();
        var written = folder.Write("frostguard-20250101T000000Z.manifest.json",
            $$"""{"id":"frostguard-20250101T000000Z","database":"frostguard","file":"frostguard-20250101T000000Z.dump.zst","sha256":"00","serverVersion":"15.4","pgDumpVersion":"15.4","format":{{format}}}""");

        Assert.Throws<System.Text.Json.JsonException>(() => BackupManifest.Read(written));
    }

    [Fact]
    public void The_catalog_lists_only_backups_with_a_manifest_and_an_archive_newest_first()
    {
        using var folder = new TempFolder();
        var older = Manifest("frostguard-20261120T000000Z", new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero));
        var newer = Manifest("frostguard-20261125T000000Z", new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var noArchive = Manifest("frostguard-20261126T000000Z", new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        foreach (var m in new[] { older, newer, noArchive })
        {
            m.Write(BackupManifest.PathFor(folder.Path, m.Id));
        }

        folder.Write(older.File, "x");
        folder.Write(newer.File, "x");
        folder.Write("orphan-20261126T000000Z.dump.zst", "no manifest");
        folder.Write("broken.manifest.json", "{ not json");
        var reporter = new RecordingReporter();

        var listed = new BackupCatalog(folder.Path).List(reporter).Select(b => b.Backup.Id).ToList();

        // Once (of many runs) only the older was listed; the warnings say why if it happens again.
        Assert.True(listed.SequenceEqual([newer.Id, older.Id]),
            $"listed {string.Join(", ", listed)}; in {folder.Path}: {string.Join(", ", Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName))}; warnings: {string.Join(" | ", reporter.Warnings)}");
        Assert.Equal(2, reporter.Warnings.Count);
    }

    [Fact]
    public async Task The_hashing_stream_hashes_and_counts_what_it_passes_on()
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("frostguard ", 10000)));
        using var sink = new MemoryStream();
        using var hashing = new HashingStream(sink);
        await hashing.WriteAsync(data.AsMemory(0, 1000));
        hashing.Write(data, 1000, data.Length - 1000);
        Assert.Equal(data.Length, hashing.BytesWritten);
        Assert.Equal(data, sink.ToArray());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), hashing.HexDigest());
    }

    [Theory]
    [InlineData("plain", "*:*:*:*:plain\n")]
    [InlineData(@"a:b\c", @"*:*:*:*:a\:b\\c" + "\n")]
    public void The_password_line_escapes_colons_and_backslashes(string password, string expected) =>
        Assert.Equal(expected, Encoding.UTF8.GetString(PgPassWrapper.PasswordLine(password)));

    [Fact]
    public void A_password_with_a_line_break_is_refused_without_being_echoed()
    {
        var e = Assert.Throws<FrostException>(() => PgPassWrapper.PasswordLine("secret\nmore"));
        Assert.Equal(ErrorIds.DatabasePasswordUnavailable, e.ErrorId);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_wrapper_passes_the_tool_and_its_arguments_as_separate_words()
    {
        var command = PgPassWrapper.Wrap(["/usr/bin/pg_dump", "--dbname=x y"]);
        Assert.Equal(["/bin/sh", "-c"], command.Take(2));
        Assert.Equal(["frostguard", "/usr/bin/pg_dump", "--dbname=x y"], command.Skip(3));
    }

    [Fact]
    public void Preflight_refuses_a_root_with_less_free_space_than_the_database()
    {
        var e = Assert.Throws<FrostException>(() => Preflight.CheckSpace("/backups", 10 * 1048576L, 20 * 1048576L));
        Assert.Equal(ErrorIds.BackupInsufficientSpace, e.ErrorId);
        Assert.Contains("/backups", e.Message, StringComparison.Ordinal);
        Preflight.CheckSpace("/backups", 30 * 1048576L, 20 * 1048576L);
    }

    [Fact]
    public void Row_count_comparison_names_every_difference()
    {
        var differences = RowCountComparison.Differences(
            [new TableRowCount("public", "a", 1), new TableRowCount("public", "b", 2)],
            [new TableRowCount("public", "a", 1), new TableRowCount("public", "b", 3), new TableRowCount("public", "c", 0)]);
        Assert.Equal(["public.b has 3 rows, expected 2", "public.c not in the backup (0 rows)"], differences);
    }

    [Fact]
    public void Ids_are_unique_within_a_second()
    {
        using var folder = new TempFolder();
        var at = new DateTimeOffset(2026, 11, 26, 1, 2, 3, TimeSpan.Zero);
        var first = BackupRunner.NewId(folder.Path, "frostguard", at);
        folder.Write(first + ".manifest.json", "{}");
        Assert.Equal("frostguard-20261126T010203Z", first);
        Assert.Equal("frostguard-20261126T010203Z-2", BackupRunner.NewId(folder.Path, "frostguard", at));
    }

    [Fact]
    public void A_second_lock_on_the_same_root_fails_with_BackupInProgress_until_the_first_is_released()
    {
        using var folder = new TempFolder();
        using (BackupLock.Acquire(folder.Path, "first"))
        {
            var e = Assert.Throws<FrostException>(() => BackupLock.Acquire(folder.Path, "second"));
            Assert.Equal(ErrorIds.BackupInProgress, e.ErrorId);
        }

        using var again = BackupLock.Acquire(folder.Path, "third");
    }

    [Fact]
    public void A_restore_test_is_refused_when_the_copy_would_leave_the_live_cluster_too_little_room()
    {
        const long Mb = 1048576;
        var e = Assert.Throws<FrostException>(() => BackupTester.CheckRoom("/var/lib/postgresql", 1000 * Mb, 800 * Mb, "b1"));
        Assert.Equal(ErrorIds.BackupInsufficientSpace, e.ErrorId);
        Assert.Contains("/var/lib/postgresql", e.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was created", e.Message, StringComparison.Ordinal);
        Assert.Throws<FrostException>(() => BackupTester.CheckRoom("/d", 100_000 * Mb, 95_000 * Mb, "b1")); // a tenth stays free
        BackupTester.CheckRoom("/d", 1000 * Mb, 700 * Mb, "b1");
        BackupTester.CheckRoom("/d", 100_000 * Mb, 80_000 * Mb, "b1");
    }
}
