using System.Formats.Tar;
using FrostGuard.Engine.Backups.Physical;
using ZstdSharp;

namespace FrostGuard.Engine.Tests.Backups;

/// <summary>A base backup's archive is untrusted: what it may make FrostGuard write when extracted.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileBaseArchiveTests
{
    private static string Archive(TempFolder folder, Action<TarWriter> write)
    {
        var path = Path.Combine(folder.Path, "base.tar.zst");
        using (var file = System.IO.File.Create(path))
        using (var zstd = new CompressionStream(file))
        using (var tar = new TarWriter(zstd, TarEntryFormat.Pax))
        {
            write(tar);
        }

        return path;
    }

    private static void AddFile(TarWriter tar, string name, string content = "x")
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) };
        tar.WriteEntry(entry);
    }

    [Theory]
    [InlineData("../escaped")]
    [InlineData("/etc/frostguard-escaped")]
    [InlineData("base/../../escaped")]
    public async Task A_name_that_leaves_the_folder_stops_extraction_and_writes_nothing_outside(string name)
    {
        using var work = new TempFolder();
        var target = Directory.CreateDirectory(Path.Combine(work.Path, "data", "new")).FullName;
        var archive = Archive(work, tar => AddFile(tar, name));
        var e = await Assert.ThrowsAnyAsync<InvalidDataException>(() => DataFolderArchive.ExtractAsync(archive, target, 0, 0, new Dictionary<string, string>(), CancellationToken.None));
        Assert.Contains("not a path inside the data folder", e.Message, StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(Path.Combine(work.Path, "data", "escaped")));
        Assert.False(System.IO.File.Exists(Path.Combine(work.Path, "escaped")));
        Assert.False(System.IO.File.Exists("/etc/frostguard-escaped"));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink)]
    [InlineData(TarEntryType.HardLink)]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.Fifo)]
    public async Task A_link_device_or_fifo_stops_extraction(TarEntryType type)
    {
        using var work = new TempFolder();
        var target = Directory.CreateDirectory(Path.Combine(work.Path, "new")).FullName;
        var archive = Archive(work, tar =>
        {
            AddFile(tar, "PG_VERSION", "15\n");
            var entry = new PaxTarEntry(type, "pg_wal");
            if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            {
                entry.LinkName = "/etc";
            }

            tar.WriteEntry(entry);
        });
        var e = await Assert.ThrowsAnyAsync<InvalidDataException>(() => DataFolderArchive.ExtractAsync(archive, target, 0, 0, new Dictionary<string, string>(), CancellationToken.None));
        Assert.Contains(type.ToString(), e.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists(Path.Combine(target, "pg_wal")));
    }

    [Fact]
    public async Task Folders_and_files_come_out_with_their_modes_and_FrostGuard_s_own_files_beside_them()
    {
        using var work = new TempFolder();
        var target = Directory.CreateDirectory(Path.Combine(work.Path, "new")).FullName;
        var archive = Archive(work, tar =>
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "base/") { Mode = (UnixFileMode)0b111_000_000 });
            AddFile(tar, "base/1", "data");
        });
        await DataFolderArchive.ExtractAsync(archive, target, FrostGuard.Engine.Platform.Os.Posix.EffectiveUserId, FrostGuard.Engine.Platform.Os.Posix.EffectiveGroupId,
            new Dictionary<string, string> { ["recovery.signal"] = "" }, CancellationToken.None);
        Assert.Equal("data", System.IO.File.ReadAllText(Path.Combine(target, "base", "1")));
        Assert.True(System.IO.File.Exists(Path.Combine(target, "recovery.signal")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, System.IO.File.GetUnixFileMode(target));
    }
}
