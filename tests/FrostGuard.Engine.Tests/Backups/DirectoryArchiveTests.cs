using System.Security.Cryptography;
using System.Text;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Backups;

public sealed class DirectoryArchiveTests
{
    private static string Sha(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    private static BackupManifest Manifest(IReadOnlyList<BackupFileEntry> files) => new()
    {
        Id = "frostguard-20261126T010203Z",
        Database = "frostguard",
        File = DirectoryArchive.FolderName("frostguard-20261126T010203Z"),
        Format = FrostBackupFormat.Directory,
        Sha256 = DirectoryArchive.ListDigest(files),
        ServerVersion = "15.20",
        PgDumpVersion = "15.20",
        Files = files,
    };

    [Fact]
    public void The_list_digest_is_the_SHA256_of_the_sha256sum_listing_in_ordinal_order()
    {
        var files = new[] { new BackupFileEntry("toc.dat", 3, Sha("toc")), new BackupFileEntry("3379.dat.gz", 4, Sha("data")) };
        var listing = $"{Sha("data")}  3379.dat.gz\n{Sha("toc")}  toc.dat\n";
        Assert.Equal(Sha(listing), DirectoryArchive.ListDigest(files));
        Assert.Equal(DirectoryArchive.ListDigest(files), DirectoryArchive.ListDigest(files.Reverse()));
    }

    [Fact]
    public async Task A_folder_matches_its_manifest_until_a_byte_changes_or_a_file_is_added_or_removed()
    {
        using var folder = new TempFolder();
        folder.Write("toc.dat", "table of contents");
        folder.Write("3379.dat.gz", "rows");
        var files = await DirectoryArchive.HashAsync(folder.Path, sync: true, CancellationToken.None);
        Assert.Equal(["3379.dat.gz", "toc.dat"], files.Select(f => f.Name));
        Assert.Equal(Sha("rows"), files[0].Sha256);
        Assert.Equal(4, files[0].SizeBytes);
        var manifest = Manifest(files);
        Assert.Empty(await DirectoryArchive.CompareAsync(folder.Path, manifest, CancellationToken.None));

        folder.Write("3379.dat.gz", "rowz");
        var changed = await DirectoryArchive.CompareAsync(folder.Path, manifest, CancellationToken.None);
        Assert.Contains(changed, d => d.StartsWith("3379.dat.gz has SHA-256", StringComparison.Ordinal));

        folder.Write("3379.dat.gz", "rows");
        folder.Write("extra.dat", "x");
        File.Delete(Path.Combine(folder.Path, "toc.dat"));
        var moved = await DirectoryArchive.CompareAsync(folder.Path, manifest, CancellationToken.None);
        Assert.Equal(["toc.dat is missing", "extra.dat is not in the manifest"], moved);
    }

    [Fact]
    public async Task A_manifest_whose_file_list_does_not_give_its_digest_does_not_match()
    {
        using var folder = new TempFolder();
        folder.Write("toc.dat", "table of contents");
        var files = await DirectoryArchive.HashAsync(folder.Path, sync: false, CancellationToken.None);
        var manifest = Manifest(files) with { Sha256 = Sha("something else") };
        Assert.Single(await DirectoryArchive.CompareAsync(folder.Path, manifest, CancellationToken.None));
    }

    [Fact]
    public async Task A_copy_hashes_what_it_wrote()
    {
        using var source = new TempFolder();
        using var target = new TempFolder();
        source.Write("toc.dat", "table of contents");
        source.Write("1.dat.gz", "one");
        var copied = await DirectoryArchive.CopyAsync(source.Path, Path.Combine(target.Path, "copy"), CancellationToken.None);
        var original = await DirectoryArchive.HashAsync(source.Path, sync: false, CancellationToken.None);
        Assert.Empty(DirectoryArchive.Compare(original, copied));
        Assert.Equal("one", File.ReadAllText(Path.Combine(target.Path, "copy", "1.dat.gz")));
    }

    [Fact]
    public void The_catalog_lists_a_directory_backup_only_while_its_folder_exists()
    {
        using var folder = new TempFolder();
        var manifest = Manifest([]);
        manifest.Write(BackupManifest.PathFor(folder.Path, manifest.Id));
        Assert.Empty(new BackupCatalog(folder.Path).List(NullReporter.Instance));
        Directory.CreateDirectory(Path.Combine(folder.Path, manifest.File));
        var listed = Assert.Single(new BackupCatalog(folder.Path).List(NullReporter.Instance));
        Assert.Equal(Path.Combine(folder.Path, manifest.File), listed.Backup.Path);
        Assert.Equal(FrostBackupFormat.Directory, listed.Backup.Format);
    }
}

public sealed class TableChecksumTests
{
    private static readonly TableChecksum Readings = new("public", "readings", "id", 1000, 990, "123456789");

    [Fact]
    public void The_same_rows_and_checksum_up_to_the_snapshot_s_highest_id_and_nothing_above_it_match()
    {
        Assert.Empty(TableChecksums.Differences(Readings, 990, "123456789", 0));
    }

    [Fact]
    public void Rows_written_after_the_snapshot_are_a_difference()
    {
        var difference = Assert.Single(TableChecksums.Differences(Readings, 990, "123456789", 7));
        Assert.Contains("7 rows with id > 1000", difference, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_rows_or_other_content_up_to_the_highest_id_are_a_difference()
    {
        Assert.Contains("989 rows", Assert.Single(TableChecksums.Differences(Readings, 989, "123456789", 0)), StringComparison.Ordinal);
        Assert.Contains("content checksum", Assert.Single(TableChecksums.Differences(Readings, 990, "123456780", 0)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_in_an_archive_folder_is_neither_read_nor_copied()
    {
        using var outside = new TempFolder();
        using var folder = new TempFolder();
        using var copies = new TempFolder();
        var secret = outside.Write("shadow", "not a backup");
        folder.Write("toc.dat", "toc");
        File.CreateSymbolicLink(Path.Combine(folder.Path, "3379.dat.gz"), secret);

        var hashing = await Assert.ThrowsAsync<FrostException>(() => DirectoryArchive.HashAsync(folder.Path, sync: false, CancellationToken.None));
        var copying = await Assert.ThrowsAsync<FrostException>(() => DirectoryArchive.CopyAsync(folder.Path, Path.Combine(copies.Path, "copy"), CancellationToken.None));

        Assert.Contains("3379.dat.gz, a symbolic link", hashing.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.BackupArchiveUnreadable, copying.ErrorId);
        Assert.DoesNotContain(Directory.EnumerateFiles(copies.Path, "*", SearchOption.AllDirectories), f => File.ReadAllText(f) == "not a backup");
    }

    [Fact]
    public async Task Copies_of_an_archive_folder_are_private()
    {
        using var folder = new TempFolder();
        using var copies = new TempFolder();
        folder.Write("toc.dat", "toc");
        folder.Write("blobs/1.dat", "blob");
        var target = Path.Combine(copies.Path, "copy");

        await DirectoryArchive.CopyAsync(folder.Path, target, CancellationToken.None);

        Assert.Equal(FrostGuard.Engine.Platform.Os.PrivateFiles.FolderMode, FrostGuard.Engine.Platform.Os.FileFacts.Read(target)!.Mode);
        Assert.Equal(FrostGuard.Engine.Platform.Os.PrivateFiles.FolderMode, FrostGuard.Engine.Platform.Os.FileFacts.Read(Path.Combine(target, "blobs"))!.Mode);
        Assert.Equal(FrostGuard.Engine.Platform.Os.PrivateFiles.FileMode, FrostGuard.Engine.Platform.Os.FileFacts.Read(Path.Combine(target, "blobs", "1.dat"))!.Mode);
        Assert.Equal(FrostGuard.Engine.Platform.Os.PrivateFiles.FileMode, FrostGuard.Engine.Platform.Os.FileFacts.Read(Path.Combine(target, "toc.dat"))!.Mode);
    }
}
